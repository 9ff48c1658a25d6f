"""Re-encrypt every personal-data field under the newest key and refresh blind indexes.

Resumable: rows are processed in primary-key batches, each batch its own transaction, and a
token already under the newest key is skipped — so an interrupted run just runs again.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from heed.portfolio import crypto, pii
from heed.portfolio.models import ContactPoint, Debtor

# (model, encrypted field, purpose, index field, index purpose or None = contact kind)
FIELDS: list[tuple[Any, str, str, str, str | None]] = [
    (Debtor, "national_id", pii.PURPOSE_NATIONAL_ID, "national_id_index", pii.INDEX_NATIONAL_ID),
    (Debtor, "address", pii.PURPOSE_ADDRESS, "", None),
    (ContactPoint, "value", pii.PURPOSE_CONTACT, "value_index", None),
]


def rotate(batch_size: int = 2000, *, reindex: bool = True, stdout: Any = None) -> dict[str, int]:
    crypto.reset_keyring()
    current = crypto.keyring().current_id
    counts: dict[str, int] = {}
    for model, field, purpose, index_field, index_purpose in FIELDS:
        label = f"{model._meta.model_name}.{field}"
        done = 0
        last_pk = 0
        while True:
            with transaction.atomic():
                batch = list(
                    model.objects.select_for_update()
                    .filter(pk__gt=last_pk)
                    .exclude(**{field: ""})
                    .order_by("pk")[:batch_size]
                )
                if not batch:
                    break
                changed = []
                for obj in batch:
                    token = getattr(obj, field)
                    stale = crypto.key_id_of(token) != current
                    plain = crypto.decrypt(token, purpose) if (stale or reindex) else ""
                    dirty = False
                    if stale:
                        setattr(obj, field, crypto.encrypt(plain, purpose))
                        dirty = True
                    if reindex and index_field:
                        kind = index_purpose or obj.kind
                        index = crypto.blind_index(plain, kind)
                        if index != getattr(obj, index_field):
                            setattr(obj, index_field, index)
                            dirty = True
                    if dirty:
                        changed.append(obj)
                fields = [field] + ([index_field] if index_field else [])
                if changed:
                    model.objects.bulk_update(changed, fields)
                done += len(changed)
                last_pk = batch[-1].pk
        counts[label] = done
        if stdout is not None:
            stdout.write(f"{label}: {done} rows re-encrypted or re-indexed")
    return counts


class Command(BaseCommand):
    help = "Re-encrypt personal data under the newest HEED_FIELD_KEYS key (resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--no-reindex", action="store_true", help="do not recompute blind indexes"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rotate(options["batch_size"], reindex=not options["no_reindex"], stdout=self.stdout)
        self.stdout.write(f"done; current key {crypto.keyring().current_id}")
