"""What the portfolio tells other apps, without knowing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after an import's rows are committed (not for a dry run, nor a rejected file):
# ``placement`` and ``written`` (how many accounts were created or updated).
placement_written = Signal()
