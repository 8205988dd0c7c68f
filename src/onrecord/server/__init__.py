"""The organisation server: one onrecord for many staff, cases and machines.

::

    jobs.py          the job queue (procrastinate on the vault's PostgreSQL): enqueue, tasks
    worker.py        ``onrecord worker``: open the vault, run jobs, retry stalled ones
    accounts.py      staff accounts (Django auth, Argon2) and case shares
    permissions.py   ``allowed(user, case, action)``: the one gate every access goes through

Server mode is explicit: ``ONRECORD_DATABASE_URL`` names a PostgreSQL database. Nothing
here runs for a laptop vault, whose work runs in-process.
"""
