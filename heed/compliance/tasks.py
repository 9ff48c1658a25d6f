"""Background work of the gateway: bringing the contact facts up to date after an import, so
the next bulk "contactable now" pass does not pay for the rebuild."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def contact_facts_refresh_task() -> int:
    from heed.compliance import facts

    return facts.refresh()


def refresh_after_import(sender: Any, *, placement: Any, written: int, **kwargs: Any) -> None:
    """``portfolio.signals.placement_written`` receiver: queue a refresh of the contact facts."""
    contact_facts_refresh_task.enqueue()
