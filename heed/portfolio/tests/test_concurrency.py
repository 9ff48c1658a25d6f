from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from heed.core.roles import Role
from heed.portfolio import services
from heed.portfolio.models import Account, AssignmentHistory
from heed.portfolio.tests.factories import AccountFactory
from heed.users.tests.factories import TeamFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reassignments_leave_exactly_one_open_holding(make_user: Any) -> None:
    alpha = TeamFactory(name="Alpha")
    lead = make_user(Role.TEAM_LEAD, team=alpha)
    collectors = [make_user(Role.COLLECTOR, team=alpha) for _ in range(4)]
    account = AccountFactory(assigned_collector=collectors[0], assigned_team=alpha)
    barrier = threading.Barrier(3)
    failures: list[BaseException] = []

    def reassign(collector: Any) -> None:
        try:
            barrier.wait()
            services.account_assign(
                actor=lead,
                account=Account.objects.get(pk=account.pk),
                collector=collector,
                reason="concurrent rebalancing",
            )
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=reassign, args=(c,)) for c in collectors[1:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    account.refresh_from_db()
    open_rows = list(AssignmentHistory.objects.filter(account=account, ended_at__isnull=True))
    assert len(open_rows) == 1
    assert open_rows[0].collector_id == account.assigned_collector_id
    assert AssignmentHistory.objects.filter(account=account).count() == 3
