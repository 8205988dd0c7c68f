from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("vault", "0002_timestamp_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="treehead",
            name="frontier",
            field=models.TextField(blank=True, default=""),
        ),
    ]
