from __future__ import annotations

from io import StringIO

import pytest

from heed.payments import bench
from heed.payments.models import Payment


@pytest.mark.django_db
def test_benchmark_measures_and_checks_nothing_lost_or_doubled() -> None:
    out = StringIO()
    row = bench.measure(clients=1, per_client=10, stdout=out)
    assert (row["lost"], row["doubled"], row["unreconciled_accounts"]) == (0, 0, 0)
    assert row["service_per_second"] > 0 and row["floor_per_second"] > 0
    assert Payment.objects.filter(external_ref__startswith="svc-").count() == 10
    assert "ratio service / floor" in out.getvalue()
    assert row["chain_intact"] is True
    assert "audit chain after the run: intact, " in out.getvalue()
