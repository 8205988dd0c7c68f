"""Django database backend for SQLCipher: Django's SQLite backend, keyed on connect."""
