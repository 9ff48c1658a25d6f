"""Gateway adapters: what hands an approved, screened, gateway-allowed message to the outside.

Chosen by ``settings.HEED_MESSAGE_ADAPTER``:

* ``file`` (the default) appends one JSON line per message to ``VAR_DIR/outbox/messages.jsonl``
  (demo and tests); ``console`` logs it;
* ``provider`` delivers for real: e-mail over SMTP (Django's mail settings, ``HEED_SMTP_*``),
  SMS, IM and voicemail through an HTTP provider (``HEED_SMS_HTTP_URL``: one JSON POST per
  message, ``Authorization: Bearer HEED_SMS_HTTP_TOKEN``; the reply's ``id`` is the reference);
* or a dotted path to a class with the same ``name`` and ``send``.

An adapter raises when the provider does not take the message; the caller records the failure.
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


class EmailAdapter:
    """E-mail through Django's mail backend (SMTP in a deployment)."""

    name = "smtp"

    def send(self, message: Outbound) -> str:
        from django.core.mail import EmailMessage, get_connection

        if message.channel != "email":
            raise ValueError(f"the e-mail adapter cannot send {message.channel} messages")
        reference = f"<heed-{message.message_id}-{uuid.uuid4().hex[:12]}@heed>"
        mail = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={"Message-ID": reference},
            connection=get_connection(fail_silently=False),
        )
        if mail.send() != 1:
            raise RuntimeError("the mail server did not take the message")
        return reference


class HttpProviderAdapter:
    """SMS, IM and voicemail through an HTTP provider: one JSON POST per message."""

    name = "http"

    def __init__(self, url: str | None = None, token: str | None = None) -> None:
        self.url = url if url is not None else getattr(settings, "HEED_SMS_HTTP_URL", "")
        self.token = token if token is not None else getattr(settings, "HEED_SMS_HTTP_TOKEN", "")

    def send(self, message: Outbound) -> str:
        import urllib.error
        import urllib.request

        if not self.url:
            raise RuntimeError("HEED_SMS_HTTP_URL is not set: no SMS provider is configured")
        payload = json.dumps(
            {
                "to": message.to,
                "channel": message.channel,
                "body": message.body,
                "message_id": message.message_id,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 — the URL is the operator's setting
            self.url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Idempotency-Key": f"heed-message-{message.message_id}",
                **({"Authorization": f"Bearer {self.token}"} if self.token else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                reply = response.read()
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"the SMS provider refused the message: HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError) as exc:
            raise RuntimeError(f"the SMS provider cannot be reached: {exc}") from exc
        try:
            reference = str(json.loads(reply)["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise RuntimeError("the SMS provider's reply has no message id") from exc
        return reference[:100]


class ProviderAdapter:
    """Real delivery: e-mail over SMTP, everything else through the HTTP provider."""

    name = "provider"

    def __init__(self) -> None:
        self.email = EmailAdapter()
        self.http = HttpProviderAdapter()

    def send(self, message: Outbound) -> str:
        if message.channel == "email":
            return self.email.send(message)
        return self.http.send(message)


def adapter_get() -> Adapter:
    configured = getattr(settings, "HEED_MESSAGE_ADAPTER", "file")
    if configured == "console":
        return ConsoleAdapter()
    if configured == "file":
        return FileAdapter()
    if configured == "provider":
        return ProviderAdapter()
    adapter: Adapter = import_string(configured)()
    return adapter
