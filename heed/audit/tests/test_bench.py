from __future__ import annotations

from io import StringIO

import pytest

from heed.audit import bench
from heed.audit.models import AuditEvent


@pytest.mark.django_db
def test_benchmark_runs_and_leaves_an_intact_chain() -> None:
    out = StringIO()
    row = bench.run(rounds=1, events=5, out=out)
    assert row["events"] == 25 == AuditEvent.objects.count()  # 20 warm-up + 5
    assert row["chained"] > 0 and row["plain"] > 0
    assert out.getvalue().splitlines()[0] == bench.HEADER
    with pytest.raises(SystemExit, match="run it on an empty database"):
        bench.run(rounds=1, events=1, out=StringIO())
