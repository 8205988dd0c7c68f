"""The local web app (``onrecord serve``): the whole product in the person's own browser.

Django templates and htmx, no build step. ``state`` holds the one open vault; ``middleware``
adds the security headers and the lock; ``views/`` has one module per flow; ``server`` runs
it on 127.0.0.1 in a small threaded WSGI server. Dependencies point inward: nothing outside
``web`` and ``cli`` imports this package.
"""
