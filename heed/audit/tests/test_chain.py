from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heed.audit.chain import CHAINED_FIELDS, GENESIS_HASH, canonical, canonical_parts, event_hash
from heed.audit.models import AuditEvent, AuditHead
from heed.audit.services import record
from heed.audit.tests.helpers import write_events
from heed.core import context
from heed.core.roles import Role
from heed.users.models import Team
from heed.users.services import api_key_create
from heed.users.tests.factories import UserFactory

BASE = {name: None for name in CHAINED_FIELDS}


def test_canonical_form_is_stable_and_sorted() -> None:
    content = {
        **BASE,
        "seq": 1,
        "occurred_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "action": "x.y",
        "changes": {"b": 1, "a": "中文"},
        "prev_hash": GENESIS_HASH,
    }
    assert (
        canonical(content)
        == (
            '{"action":"x.y","actor_api_key_id":null,"actor_label":null,"actor_user_id":null,'
            '"changes":{"a":"中文","b":1},"ip":null,"occurred_at":"2026-01-02T03:04:05.000000+00:00",'
            '"prev_hash":"' + GENESIS_HASH + '","reason":null,"request_id":null,"seq":1,'
            '"target_id":null,"target_type":null}'
        ).encode()
    )


def test_the_same_instant_in_another_zone_hashes_the_same() -> None:
    utc = {**BASE, "occurred_at": datetime(2026, 1, 2, 3, 0, tzinfo=UTC)}
    beijing = {
        **BASE,
        "occurred_at": datetime(2026, 1, 2, 11, 0, tzinfo=timezone(timedelta(hours=8))),
    }
    assert event_hash(utc) == event_hash(beijing)


def test_every_chained_field_changes_the_hash() -> None:
    content = {**BASE, "seq": 1, "occurred_at": datetime(2026, 1, 1, tzinfo=UTC), "changes": {}}
    original = event_hash(content)
    for name in CHAINED_FIELDS:
        edited = {**content, name: "tampered"}
        assert event_hash(edited) != original, name


@pytest.mark.django_db
def test_record_links_each_event_to_the_previous_one() -> None:
    events = write_events(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    for event in AuditEvent.objects.all():
        stored = AuditEvent.objects.filter(pk=event.pk).values(*CHAINED_FIELDS).get()
        assert event_hash(stored) == event.hash
    head = AuditHead.objects.get(pk=1)
    assert (head.last_seq, head.last_hash) == (3, events[-1].hash)


@pytest.mark.django_db
def test_record_takes_the_actor_target_and_request_from_context() -> None:
    team = Team.objects.create(name="Alpha")
    user = UserFactory(role=Role.ADMINISTRATOR, team=team)
    key, _raw = api_key_create(actor=None, user=user, name="robot")
    token = context.begin(
        context.RequestContext(request_id="req-12345678", ip="10.1.2.3", user=user, api_key=key)
    )
    try:
        event = record(
            action="team.renamed", target=team, changes={"name": ["A", "B"]}, reason="typo"
        )
    finally:
        context.end(token)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (
        stored.actor_user_id,
        stored.actor_api_key_id,
        stored.actor_label,
        stored.target_type,
        stored.target_id,
        stored.changes,
        stored.reason,
        stored.request_id,
        stored.ip,
    ) == (
        user.pk,
        key.pk,
        f"{user.username} (API key {key.prefix})",
        "users.team",
        str(team.pk),
        {"name": ["A", "B"]},
        "typo",
        "req-12345678",
        "10.1.2.3",
    )


@pytest.mark.django_db
def test_record_stores_json_safe_changes() -> None:
    from decimal import Decimal

    event = record(
        action="x",
        actor="system:test",
        changes={"when": datetime(2026, 1, 1, tzinfo=UTC), "amount": Decimal("1.50")},
    )
    assert AuditEvent.objects.get(pk=event.pk).changes == {
        "when": "2026-01-01T00:00:00Z",
        "amount": "1.50",
    }


@pytest.mark.django_db
def test_record_joins_the_callers_transaction() -> None:
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        write_events(2)
        raise RuntimeError("the service failed")
    assert AuditEvent.objects.count() == 0
    assert write_events(1)[0].seq == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(
    seq=st.integers(min_value=1, max_value=10**12),
    prev_hash=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    label=st.text(),
    changes=st.dictionaries(st.text(), json_values, max_size=4),
)
def test_canonical_parts_reassemble_the_canonical_text(
    seq: int, prev_hash: str, label: str, changes: dict[str, Any]
) -> None:
    """What the database concatenates on PostgreSQL is byte for byte what verify hashes."""
    content = {
        **BASE,
        "seq": seq,
        "prev_hash": prev_hash,
        "occurred_at": datetime(2026, 11, 29, 12, 0, tzinfo=UTC),
        "actor_label": label,
        "action": "payment.posted",
        "changes": changes,
    }
    prefix, middle, suffix = canonical_parts(content)
    assert (prefix + prev_hash + middle + str(seq) + suffix).encode() == canonical(content)


def test_canonical_parts_refuse_content_that_holds_a_marker() -> None:
    content = {**BASE, "changes": {"prev_hash": "\x00heed:prev_hash\x00"}}
    with pytest.raises(ValueError, match="position markers"):
        canonical_parts(content)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_computes_the_same_hash_as_verify() -> None:
    changes = {"名字": "张伟", "amount": 12_345, "nested": {"b": [1, None], "t": 'a"\\b'}}
    events = [record(action="test.hash", actor="system:测试", changes=changes) for _ in range(3)]
    for event in events:
        stored = AuditEvent.objects.values(*CHAINED_FIELDS).get(pk=event.pk)
        assert event_hash(stored) == event.hash
