"""Invites can be revoked before use; failed logins are counted per client address too."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("server", "0004_sessions_invites"),
    ]

    operations = [
        migrations.AddField(
            model_name="invite",
            name="revoked_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="invite",
            name="revoked_by",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.CreateModel(
            name="AddressFailure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("address", models.GenericIPAddressField()),
                ("at", models.DateTimeField(db_index=True)),
                ("step", models.CharField(max_length=16)),
            ],
            options={
                "indexes": [models.Index(fields=["address", "at"], name="address_failure_recent")],
            },
        ),
    ]
