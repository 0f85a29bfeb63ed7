"""Data access functions: queries and writes, no business rules."""
