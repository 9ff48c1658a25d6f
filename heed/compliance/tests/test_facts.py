"""Contact facts: the database triggers mark exactly the people whose facts change, whatever
wrote the change, and a refresh rebuilds their rows to what the full join gives — so bulk
"contactable now" keeps equalling per-account preflight after the portfolio changes."""

from __future__ import annotations

import random
from io import StringIO
from typing import Any

import pytest
from django.db import connection

from heed.compliance import facts, selectors
from heed.compliance.models import ContactFacts, ContactFactsDirty
from heed.compliance.tests.test_bulk import MOMENTS, _expected, _point, _population
from heed.core.roles import Role
from heed.portfolio.models import Account, ContactPoint, Debtor
from heed.portfolio.tests.factories import AccountFactory, DebtorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def collector(make_user: Any) -> Any:
    return make_user(Role.COLLECTOR, username="facts-collector")


def _stored() -> set[tuple[Any, ...]]:
    return set(
        ContactFacts.objects.values_list("account_id", "debtor_id", "point_id", "kind", "key")
    )


def _joined() -> set[tuple[Any, ...]]:
    """What the full join gives now (the rows a rebuild from nothing would store)."""
    sql, params = facts.source()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {tuple(row) for row in cursor.fetchall()}


def _candidates() -> set[tuple[int, int, int, str]]:
    """Every account with each valid point of its debtor's own, straight from the models."""
    return {
        (account.pk, account.debtor_id, point.pk, point.kind)
        for account in Account.objects.all()
        for point in ContactPoint.objects.filter(
            debtor_id=account.debtor_id, party_role="debtor", is_valid=True
        )
    }


def _marked() -> set[int]:
    """The people the next refresh rebuilds: marked by the triggers, plus on SQLite the people
    of rows inserted above the watermark."""
    return facts.pending()


def test_the_triggers_mark_the_people_whose_facts_change() -> None:
    debtor = DebtorFactory(timezones=["Asia/Shanghai"])
    other = DebtorFactory()
    account = AccountFactory(debtor=debtor)
    assert _marked() == {debtor.pk}  # a new account
    facts.refresh()
    assert _marked() == set()

    phone = _point(debtor, "t1")
    assert _marked() == {debtor.pk}  # a point of the debtor's own
    facts.refresh()
    _point(debtor, "t2", party_role="emergency_contact")
    assert _marked() == set()  # a third party's number is never a candidate

    # Columns the facts are not built from mark nobody, even through save() of every column.
    Debtor.objects.filter(pk=debtor.pk).update(full_name="Renamed")
    Account.objects.filter(pk=account.pk).update(principal_balance=1)
    account.refresh_from_db()
    account.save()
    ContactPoint.objects.filter(pk=phone.pk).update(value_masked="+86 ***")
    assert _marked() == set()

    changes = [
        lambda: Debtor.objects.filter(pk=debtor.pk).update(timezones=["Asia/Urumqi"]),
        lambda: Debtor.objects.filter(pk=debtor.pk).update(is_deceased=True),
        lambda: Account.objects.filter(pk=account.pk).update(jurisdiction="US-NY"),
        lambda: ContactPoint.objects.filter(pk=phone.pk).update(opted_out=True),
        lambda: ContactPoint.objects.filter(pk=phone.pk).update(is_valid=False),
        lambda: ContactPoint.objects.filter(pk=phone.pk).update(provenance="public_source"),
    ]
    for change in changes:
        change()
        assert _marked() == {debtor.pk}, change
        facts.refresh()

    # Moving an account or a point to another person marks both people.
    Account.objects.filter(pk=account.pk).update(debtor=other)
    assert _marked() == {debtor.pk, other.pk}
    facts.refresh()
    ContactPoint.objects.filter(pk=phone.pk).update(debtor=other)
    assert _marked() == {debtor.pk, other.pk}
    facts.refresh()
    ContactPoint.objects.filter(pk=phone.pk).delete()
    assert _marked() == {other.pk}
    facts.refresh()
    Account.objects.filter(pk=account.pk).delete()
    assert _marked() == {other.pk}
    facts.refresh()
    assert _marked() == set()

    # An id used again after its row was deleted (the importer takes MAX(id) + 1 on SQLite)
    # still counts as a new row.
    last = AccountFactory(debtor=debtor)
    facts.refresh()
    Account.objects.filter(pk=last.pk).delete()
    facts.refresh()
    third = DebtorFactory()
    again = AccountFactory.build(debtor=third, creditor=last.creditor, placement=last.placement)
    again.pk = last.pk
    again.save(force_insert=True)
    assert _marked() == {third.pk}
    facts.refresh()
    assert ContactFactsDirty.objects.count() == 0
    assert _marked() == set()


@pytest.mark.parametrize("full", [False, True])
def test_a_refresh_stores_what_the_join_gives(full: bool, monkeypatch: Any) -> None:
    """After any mix of changes, the stored rows are exactly the join's — rebuilt person by
    person, or all at once when many people are marked."""
    monkeypatch.setattr(facts, "FULL_REBUILD_ABOVE", 0 if full else 10**9)
    monkeypatch.setattr(facts, "CHUNK", 3)  # several statements
    rng = random.Random(8)
    _population(8, MOMENTS[0])
    assert facts.refresh() > 0
    assert _stored() == _joined()
    assert {row[:4] for row in _stored()} == _candidates()
    assert facts.refresh() == 0  # nothing marked: nothing to do

    debtors = list(Debtor.objects.all())
    points = list(ContactPoint.objects.filter(party_role="debtor"))
    accounts = list(Account.objects.all())
    for _ in range(12):
        what = rng.randrange(6)
        if what == 0:
            d = rng.choice(debtors)
            Debtor.objects.filter(pk=d.pk).update(timezones=rng.choice([[], ["Europe/London"]]))
        elif what == 1:
            p = rng.choice(points)
            ContactPoint.objects.filter(pk=p.pk).update(opted_out=rng.random() < 0.5)
        elif what == 2:
            p = rng.choice(points)
            ContactPoint.objects.filter(pk=p.pk).update(is_valid=rng.random() < 0.5)
        elif what == 3:
            a = rng.choice(accounts)
            Account.objects.filter(pk=a.pk).update(jurisdiction=rng.choice(["CN", "GB", ""]))
        elif what == 4:
            _point(rng.choice(debtors), f"new{rng.random()}", kind=rng.choice(["phone", "email"]))
        else:
            AccountFactory(debtor=rng.choice(debtors))
    assert _stored() != _joined()  # stale until refreshed
    facts.refresh()
    assert _stored() == _joined()
    assert {row[:4] for row in _stored()} == _candidates()


def test_bulk_follows_changes_made_after_an_earlier_pass(packs_active: Any, collector: Any) -> None:
    """The pass refreshes the facts first: raw updates, new points and removed points made
    after an earlier pass change its answers exactly as they change preflight's."""
    at = MOMENTS[0]
    _population(31, at)
    creditor = Account.objects.filter(jurisdiction="CN").first().creditor  # type: ignore[union-attr]
    for index in range(8):  # people nothing stops from being called at 11:00 in Shanghai
        debtor = DebtorFactory(country="CN", timezones=["Asia/Shanghai"])
        AccountFactory(debtor=debtor, creditor=creditor, jurisdiction="CN", currency="CNY")
        _point(debtor, f"clean-{index}", timezones=["Asia/Shanghai"])
    spare = [
        _point(debtor, f"spare-{debtor.pk}", timezones=["Asia/Shanghai"])
        for debtor in Debtor.objects.order_by("-pk")[:3]
    ]
    first = selectors.contactable_now(Account.objects.all(), at=at, channel="call")
    assert len(first.contactable) > 8
    contactable = [c.contact_point_id for c in first.contactable]
    ContactPoint.objects.filter(pk__in=contactable[:3]).update(opted_out=True)
    ContactPoint.objects.filter(pk__in=contactable[3:5]).update(is_valid=False)
    ContactPoint.objects.filter(pk__in=[p.pk for p in spare]).delete()
    dead = Account.objects.get(pk=first.contactable[5].account_id).debtor_id
    Debtor.objects.filter(pk=dead).update(is_deceased=True)
    Account.objects.filter(pk=first.contactable[6].account_id).update(jurisdiction="XX")
    for debtor in Debtor.objects.order_by("pk")[:4]:
        _point(debtor, f"late-{debtor.pk}", timezones=["Asia/Shanghai"])

    accounts = list(Account.objects.order_by("pk"))
    result = selectors.contactable_now(Account.objects.all(), at=at, channel="call")
    chosen = {c.account_id: c.contact_point_id for c in result.contactable}
    expected_chosen, expected_blocked = _expected(collector, accounts, at, "call")
    assert chosen == expected_chosen
    assert result.blocked_by_rule == expected_blocked
    assert chosen != {c.account_id: c.contact_point_id for c in first.contactable}


def test_the_rebuild_command_repairs_facts_that_drifted() -> None:
    """``contact_facts_rebuild --check`` finds rows that no longer match the join (say, after
    a restore the triggers did not see) and the command rebuilds them."""
    from django.core.management import CommandError, call_command

    _population(12, MOMENTS[0])
    facts.refresh()
    call_command("contact_facts_rebuild", "--check", stdout=StringIO())
    victim = ContactFacts.objects.order_by("pk").first()
    assert victim is not None
    ContactFacts.objects.filter(pk=victim.pk).delete()
    ContactFacts.objects.create(account_id=999999, debtor_id=1, point_id=1, kind="phone", key="x")
    with pytest.raises(CommandError, match="1 rows missing, 1 rows stale"):
        call_command("contact_facts_rebuild", "--check", stdout=StringIO())
    out = StringIO()
    call_command("contact_facts_rebuild", stdout=out)
    assert "rebuilt for" in out.getvalue()
    assert _stored() == _joined()
    call_command("contact_facts_rebuild", "--check", stdout=StringIO())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_refreshes_rebuild_each_person_once() -> None:
    """Two bulk passes starting together both refresh: one claims the marks and rebuilds,
    the other finds none left, and every row is stored once."""
    import threading
    from collections import Counter

    _population(14, MOMENTS[0])
    for debtor in Debtor.objects.all():  # everyone marked
        Debtor.objects.filter(pk=debtor.pk).update(timezones=["Asia/Shanghai"])
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = facts.refresh()
        except Exception as exc:  # reported to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(r, int) for r in results), results
    assert sorted(results)[0] == 0 and sorted(results)[1] > 0  # one did the work
    rows = Counter(
        ContactFacts.objects.values_list("account_id", "debtor_id", "point_id", "kind", "key")
    )
    assert max(rows.values()) == 1
    assert set(rows) == _joined()


def test_an_import_queues_a_refresh_of_the_facts(
    tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A committed import queues the refresh (run inline by the test task backend), so the next
    bulk pass finds nothing stale; a dry run queues nothing."""
    from heed.portfolio.tests.factories import CreditorFactory
    from heed.portfolio.tests.test_import import GOOD, do_import, write_csv

    creditor = CreditorFactory(code="cfc")
    path = write_csv(tmp_path / "a.csv", [GOOD])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        do_import(creditor, path, dry_run=True)
    assert queued == []
    with django_capture_on_commit_callbacks(execute=False) as queued:
        _placement, result = do_import(creditor, path)
    assert result.created == 1 and len(queued) == 1
    assert facts.pending(), "the import left people to refresh"
    queued[0]()
    assert facts.pending() == set()
    assert _stored() == _joined() != set()
