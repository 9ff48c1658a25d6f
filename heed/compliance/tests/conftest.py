from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from heed.core.roles import Role
from heed.portfolio import crypto

TEST_KEYS = ",".join(
    [
        "bi:" + base64.urlsafe_b64encode(b"i" * 32).decode(),
        "k1:" + base64.urlsafe_b64encode(b"1" * 32).decode(),
    ]
)


@pytest.fixture(autouse=True)
def field_keys(settings: Any) -> Iterator[str]:
    settings.FIELD_KEYS_RAW = TEST_KEYS
    crypto.reset_keyring()
    yield TEST_KEYS
    crypto.reset_keyring()


@pytest.fixture
def officer(make_user: Any) -> Any:
    return make_user(Role.COMPLIANCE_OFFICER, username="officer")


@pytest.fixture
def officer2(make_user: Any) -> Any:
    return make_user(Role.COMPLIANCE_OFFICER, username="officer2")


@pytest.fixture
def packs_active(db: None, officer: Any) -> list[Any]:
    """Every shipped pack loaded as version 1 and approved by a compliance officer."""
    from heed.compliance import services
    from heed.compliance.rules.packs import file_contents

    versions = []
    for code in sorted(file_contents()):
        draft = services.pack_version_load_file(actor="system:packs", code=code)
        assert draft is not None
        versions.append(services.pack_version_approve(actor=officer, version=draft))
    return versions
