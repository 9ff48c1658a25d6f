"""Append-only, hash-chained audit log. Use ``from heed.audit.services import record``."""
