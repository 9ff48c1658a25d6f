"""Gateway adapters: what hands an approved, screened, gateway-allowed message to the outside.

Pluggable through ``settings.HEED_MESSAGE_ADAPTER`` (a dotted path or ``console``/``file``). The
console adapter logs; the file adapter appends one JSON line per message to
``VAR_DIR/outbox/messages.jsonl`` (demo and tests). An SMS provider or SMTP adapter implements
the same ``send``.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("heed.messages")


@dataclass(frozen=True)
class Outbound:
    channel: str
    to: str
    subject: str
    body: str
    message_id: int


class Adapter(Protocol):
    name: str

    def send(self, message: Outbound) -> str:
        """Hand the message over; return the provider's reference."""
        ...


class ConsoleAdapter:
    name = "console"

    def send(self, message: Outbound) -> str:
        reference = f"console-{uuid.uuid4().hex[:12]}"
        logger.info(
            "message %s via %s to %s: %s", reference, message.channel, message.to, message.body
        )
        return reference


class FileAdapter:
    name = "file"

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or Path(settings.VAR_DIR) / "outbox" / "messages.jsonl"

    def send(self, message: Outbound) -> str:
        reference = f"file-{uuid.uuid4().hex[:12]}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(
                json.dumps({"reference": reference, **asdict(message)}, ensure_ascii=False)
            )
            handle.write("\n")
        return reference


def adapter_get() -> Adapter:
    configured = getattr(settings, "HEED_MESSAGE_ADAPTER", "file")
    if configured == "console":
        return ConsoleAdapter()
    if configured == "file":
        return FileAdapter()
    adapter: Adapter = import_string(configured)()
    return adapter
