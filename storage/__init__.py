"""Storage: SQLAlchemy 2 async models, engine and sessions, repositories, Alembic migrations.

Imports neither bot/ nor handlers/ and holds no business rules.
"""
