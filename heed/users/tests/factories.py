from __future__ import annotations

import factory

from heed.core.roles import Role
from heed.users.models import Agency, Team, User

TEST_PASSWORD = "correct-horse-battery-9"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"agency-{n}")
    name = factory.Sequence(lambda n: f"Agency {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    role = Role.COLLECTOR
    team = factory.LazyAttribute(
        lambda o: None if o.role == Role.AGENCY_USER else TeamFactory(name="Alpha")
    )
    agency = factory.LazyAttribute(
        lambda o: (
            AgencyFactory(code="north", name="North Agency") if o.role == Role.AGENCY_USER else None
        )
    )

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or TEST_PASSWORD)
        if create:
            self.save(update_fields=["password"])
