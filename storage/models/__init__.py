"""All models; importing this package registers every table on `Base.metadata`."""

from storage.models.core import Invite, OutboxMessage, User

__all__ = ["Invite", "OutboxMessage", "User"]
