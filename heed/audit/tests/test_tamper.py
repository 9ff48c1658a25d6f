"""Tampering by raw SQL is detected by `audit_verify`, which names the first bad event; the
database itself refuses UPDATE and DELETE. Runs on SQLite and (make test) on PostgreSQL."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from heed.audit.management.commands.audit_verify import Command
from heed.audit.models import AuditEvent, AuditHead
from heed.audit.tests.helpers import drop_triggers, execute, forged_content, write_events
from heed.audit.verify import verify_chain

pytestmark = pytest.mark.django_db


def verify_fails_with(message: str) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("audit_verify", stdout=StringIO())
    assert str(caught.value) == message


def test_intact_chain_exits_zero_and_says_how_many(capsys: pytest.CaptureFixture[str]) -> None:
    write_events(4)
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "audit_verify"])
        raise SystemExit(0)
    assert exited.value.code == 0
    assert capsys.readouterr().out == "audit chain intact: 4 events verified\n"


def test_empty_chain_is_intact() -> None:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue() == "audit chain intact: 0 events verified\n"


def test_broken_chain_exits_non_zero(capsys: pytest.CaptureFixture[str]) -> None:
    write_events(3)
    drop_triggers()
    execute("UPDATE audit_auditevent SET reason = 'x' WHERE seq = 2")
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "audit_verify"])
    assert exited.value.code == 1
    assert "audit chain BROKEN at lane 1, event seq=2" in capsys.readouterr().err


def test_verification_walks_across_batches() -> None:
    write_events(7)
    result = verify_chain(batch_size=2)
    assert (result.is_intact, result.checked) == (True, 7)


def test_edited_event_is_named() -> None:
    events = write_events(4)
    drop_triggers()
    assert execute("UPDATE audit_auditevent SET reason = 'nothing to see' WHERE seq = 3") == 1
    verify_fails_with(
        f"audit chain BROKEN at lane 1, event seq=3 (id={events[2].pk}): event #3 content does not "
        "match its hash: edited (2 events verified before it)"
    )


def test_edited_json_changes_are_detected() -> None:
    events = write_events(3)
    drop_triggers()
    AuditEvent.objects.filter(seq=1).update(changes={"n": 100})
    result = verify_chain()
    assert (result.is_intact, result.bad_seq, result.bad_id) == (False, 1, events[0].pk)
    assert result.problem == "event #1 content does not match its hash: edited"


def test_edited_event_with_a_recomputed_hash_breaks_the_next_link() -> None:
    events = write_events(3)
    drop_triggers()
    content = forged_content(seq=2, prev_hash=events[0].hash, occurred_at=events[1].occurred_at)
    AuditEvent.objects.filter(seq=2).update(**{k: v for k, v in content.items() if k != "seq"})
    result = verify_chain()
    assert (result.is_intact, result.bad_seq) == (False, 3)
    assert result.problem == (
        "event #3 does not follow event #2 (previous-hash mismatch): inserted, reordered or "
        "the previous one deleted"
    )


def test_deleted_middle_event_is_named() -> None:
    events = write_events(4)
    drop_triggers()
    assert execute("DELETE FROM audit_auditevent WHERE seq = 2") == 1
    verify_fails_with(
        f"audit chain BROKEN at lane 1, event seq=2 (id={events[2].pk}): event #2 is missing "
        "(next present is #3): deleted (1 events verified before it)"
    )


def test_deleted_newest_event_is_named() -> None:
    write_events(4)
    drop_triggers()
    assert execute("DELETE FROM audit_auditevent WHERE seq = 4") == 1
    verify_fails_with(
        "audit chain BROKEN at lane 1, event seq=4: the chain ends at event #3 but its head "
        "records #4: the newest events were deleted (3 events verified before it)"
    )


def test_forged_event_appended_is_detected_by_the_head() -> None:
    events = write_events(3)
    content = forged_content(seq=4, prev_hash=events[-1].hash, occurred_at=timezone.now())
    AuditEvent.objects.create(**content)  # INSERT, not through record()
    verify_fails_with(
        "audit chain BROKEN at lane 1, event seq=3: the chain ends at event #4 but its head "
        "records #3: the newest events were deleted (4 events verified before it)"
    )


def test_forged_event_with_a_wrong_hash_is_named() -> None:
    events = write_events(2)
    content = forged_content(seq=3, prev_hash=events[-1].hash, occurred_at=timezone.now())
    content["hash"] = "f" * 64
    forged = AuditEvent.objects.create(**content)
    AuditHead.objects.filter(pk=1).update(last_seq=3, last_hash=content["hash"])
    verify_fails_with(
        f"audit chain BROKEN at lane 1, event seq=3 (id={forged.pk}): event #3 content does not "
        "match its hash: edited (2 events verified before it)"
    )


def test_forged_event_inserted_in_the_middle_is_named() -> None:
    events = write_events(4)
    drop_triggers()
    # Make room at seq 3, then slip a forged event in there.
    execute("UPDATE audit_auditevent SET seq = -seq WHERE seq >= 3")
    execute("UPDATE audit_auditevent SET seq = 1 - seq WHERE seq < 0")
    linked = forged_content(seq=3, prev_hash=events[1].hash, occurred_at=events[1].occurred_at)
    # Linking it to event #2 is refused outright: event #2's hash is already someone's prev_hash.
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.create(**linked)
    content = forged_content(seq=3, prev_hash="e" * 64, occurred_at=events[1].occurred_at)
    forged = AuditEvent.objects.create(**content)
    verify_fails_with(
        f"audit chain BROKEN at lane 1, event seq=3 (id={forged.pk}): event #3 does not follow "
        "event #2 (previous-hash mismatch): inserted, reordered or the previous one deleted "
        "(2 events verified before it)"
    )


def test_reordered_events_are_named() -> None:
    events = write_events(4)
    drop_triggers()
    # Swap the sequence numbers of events 2 and 3.
    execute("UPDATE audit_auditevent SET seq = -1 WHERE seq = 2")
    execute("UPDATE audit_auditevent SET seq = 2 WHERE seq = 3")
    execute("UPDATE audit_auditevent SET seq = 3 WHERE seq = -1")
    verify_fails_with(
        f"audit chain BROKEN at lane 1, event seq=2 (id={events[2].pk}): event #2 does not follow "
        "event #1 (previous-hash mismatch): inserted, reordered or the previous one deleted "
        "(1 events verified before it)"
    )


def test_missing_head_is_detected() -> None:
    write_events(2)
    AuditHead.objects.all().delete()
    result = verify_chain()
    assert (result.is_intact, result.problem) == (False, "the chain head is missing")


@pytest.mark.parametrize(
    ("sql", "operation"),
    [
        ("UPDATE audit_auditevent SET reason = 'x' WHERE seq = 1", "UPDATE"),
        ("UPDATE audit_auditevent SET seq = seq + 100", "UPDATE"),
        ("DELETE FROM audit_auditevent WHERE seq = 2", "DELETE"),
        ("DELETE FROM audit_auditevent", "DELETE"),
    ],
)
def test_database_refuses_update_and_delete(sql: str, operation: str) -> None:
    write_events(2)
    refused = f"audit events are append-only: {operation} refused"
    with pytest.raises(DatabaseError, match=refused), transaction.atomic():
        execute(sql)
    assert list(AuditEvent.objects.values_list("seq", "reason")) == [(1, ""), (2, "")]
    assert verify_chain().is_intact is True


def test_orm_save_and_delete_are_refused_too() -> None:
    event = write_events(1)[0]
    event.reason = "changed"
    with pytest.raises(DatabaseError, match="append-only: UPDATE refused"), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError, match="append-only: DELETE refused"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().reason == ""


def _second_lane(count: int) -> list[AuditEvent]:
    """Events in lane 2 as a second concurrent writer leaves them (on SQLite, which has one
    writer at a time, they are written here the way record() writes them on PostgreSQL)."""
    from heed.audit.chain import GENESIS_HASH

    events, prev = [], GENESIS_HASH
    for seq in range(1, count + 1):
        content = forged_content(seq=seq, prev_hash=prev, occurred_at=timezone.now())
        events.append(AuditEvent.objects.create(lane=2, **content))
        prev = content["hash"]
    AuditHead.objects.update_or_create(pk=2, defaults={"last_seq": count, "last_hash": prev})
    return events


def test_every_lane_is_verified() -> None:
    write_events(3)
    _second_lane(2)
    result = verify_chain()
    assert (result.is_intact, result.checked) == (True, 5)


def test_tampering_in_a_second_lane_names_the_lane() -> None:
    write_events(3)
    lane_two = _second_lane(3)
    drop_triggers()
    assert execute("UPDATE audit_auditevent SET reason = 'x' WHERE lane = 2 AND seq = 2") == 1
    verify_fails_with(
        f"audit chain BROKEN at lane 2, event seq=2 (id={lane_two[1].pk}): event #2 content does "
        "not match its hash: edited (4 events verified before it)"
    )


def test_an_event_moved_to_another_lane_is_detected() -> None:
    events = write_events(3)
    _second_lane(1)
    drop_triggers()
    execute("UPDATE audit_auditevent SET lane = 2, seq = 2 WHERE id = %s", [events[2].pk])
    result = verify_chain()
    assert (result.is_intact, result.bad_lane) == (False, 1)
    assert result.problem == (
        "the chain ends at event #2 but its head records #3: the newest events were deleted"
    )


def test_a_lane_without_its_head_is_detected() -> None:
    write_events(1)
    _second_lane(2)
    AuditHead.objects.filter(pk=2).delete()
    result = verify_chain()
    assert (result.is_intact, result.bad_lane, result.problem) == (
        False,
        2,
        "the chain head is missing",
    )


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["audit_auditevent", "audit_audithead"])
def test_postgresql_refuses_truncate_of_the_audit_tables(table: str) -> None:
    """Only the test suite's own connections may empty them (``heed.audit_reset``); anyone
    else's TRUNCATE — ``manage.py flush`` included — is refused and changes nothing."""
    write_events(2)
    with pytest.raises(DatabaseError, match=f"TRUNCATE of {table} refused"), transaction.atomic():
        execute("SET LOCAL heed.audit_reset = ''")
        execute(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.count() == 2
    assert verify_chain().is_intact is True
