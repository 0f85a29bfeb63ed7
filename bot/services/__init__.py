"""Domain services: business rules, no aiogram types."""
