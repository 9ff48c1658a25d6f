from __future__ import annotations

import uuid

import pytest

from heed.core.errors import NotFound
from heed.core.scoping import get_scoped_or_404
from heed.tasks.models import TaskRun
from heed.users.models import Team


@pytest.mark.django_db
def test_returns_the_row_in_scope() -> None:
    team = Team.objects.create(name="Alpha")
    assert get_scoped_or_404(Team.objects.all(), team.pk) == team


@pytest.mark.django_db
def test_missing_and_out_of_scope_raise_the_same_not_found() -> None:
    alpha = Team.objects.create(name="Alpha")
    beta = Team.objects.create(name="Beta")
    scoped = Team.objects.filter(pk=alpha.pk)
    errors = []
    for pk in (beta.pk, beta.pk + 1000):
        with pytest.raises(NotFound) as caught:
            get_scoped_or_404(scoped, pk)
        errors.append(
            (type(caught.value), caught.value.code, caught.value.message, caught.value.status)
        )
    assert errors == [(NotFound, "not_found", "Not found.", 404)] * 2


@pytest.mark.django_db
@pytest.mark.parametrize("pk", ["abc", None, "", "1; drop table"])
def test_malformed_ids_are_not_found_not_server_errors(pk: object) -> None:
    Team.objects.create(name="Alpha")
    with pytest.raises(NotFound):
        get_scoped_or_404(Team.objects.all(), pk)


@pytest.mark.django_db
def test_malformed_uuid_is_not_found() -> None:
    TaskRun.objects.create(kind="x")
    with pytest.raises(NotFound):
        get_scoped_or_404(TaskRun.objects.all(), "not-a-uuid")
    with pytest.raises(NotFound):
        get_scoped_or_404(TaskRun.objects.all(), uuid.uuid4())
