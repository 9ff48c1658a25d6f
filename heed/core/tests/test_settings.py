"""Start-up refuses unsafe or malformed configuration (checked in a fresh interpreter)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
GOOD_SECRET = "k3J9vQ2x-Lr8ZpW4tY7uN1mB5cF0hD6sG2aE9wR3"


GOOD_FIELD_KEYS = "k1:" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="


def start(tmp_path: Path, code: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HEED_") and key != "DATABASE_URL"
    }
    environment.update(
        {"DJANGO_SETTINGS_MODULE": "config.settings", "HEED_VAR_DIR": str(tmp_path), **env}
    )
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_a_missing_secret_key(tmp_path: Path) -> None:
    result = start(tmp_path, HEED_DEBUG="0")
    assert result.returncode == 1
    assert "ImproperlyConfigured: HEED_SECRET_KEY is required when HEED_DEBUG=0" in result.stderr


@pytest.mark.parametrize(
    "secret",
    ["changeme", "django-insecure-abcdefghijklmnopqrstuvwxyz0123456789", "short-but-random-Xy7"],
)
def test_production_refuses_a_well_known_or_short_secret_key(tmp_path: Path, secret: str) -> None:
    result = start(tmp_path, HEED_DEBUG="0", HEED_SECRET_KEY=secret)
    assert result.returncode == 1
    assert "HEED_SECRET_KEY is a well-known or too short value" in result.stderr


def test_production_starts_with_a_long_random_secret_and_requires_two_factor(
    tmp_path: Path,
) -> None:
    result = start(
        tmp_path,
        "from django.conf import settings; print(settings.DEBUG, settings.MFA_REQUIRED_ROLES)",
        HEED_DEBUG="0",
        HEED_SECRET_KEY=GOOD_SECRET,
        HEED_FIELD_KEYS=GOOD_FIELD_KEYS,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "False ['administrator', 'compliance_officer', 'data_manager']"
    )
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_to_start_without_field_keys(tmp_path: Path) -> None:
    result = start(tmp_path, HEED_DEBUG="0", HEED_SECRET_KEY=GOOD_SECRET)
    assert result.returncode != 0
    assert "HEED_FIELD_KEYS is required when HEED_DEBUG=0" in result.stderr
    assert not (tmp_path / "field_keys").exists()


def test_production_refuses_malformed_field_keys(tmp_path: Path) -> None:
    result = start(
        tmp_path, HEED_DEBUG="0", HEED_SECRET_KEY=GOOD_SECRET, HEED_FIELD_KEYS="k1:not-base64!"
    )
    assert result.returncode != 0
    assert "HEED_FIELD_KEYS key 'k1' is not base64" in result.stderr


def test_demo_default_generates_and_keeps_a_secret_under_var(tmp_path: Path) -> None:
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = start(tmp_path, code)
    second = start(tmp_path, code)
    assert first.returncode == 0, first.stderr
    stored = (tmp_path / "secret_key").read_text().strip()
    assert len(stored) >= 50
    assert first.stdout.strip() == stored == second.stdout.strip()


def test_bad_debug_value_fails_loudly(tmp_path: Path) -> None:
    result = start(tmp_path, HEED_DEBUG="maybe")
    assert result.returncode == 1
    assert "HEED_DEBUG must be a boolean (1/0, true/false), got 'maybe'" in result.stderr


def test_bad_tasks_backend_fails_loudly(tmp_path: Path) -> None:
    result = start(tmp_path, HEED_TASKS_BACKEND="rabbit")
    assert result.returncode == 1
    assert "HEED_TASKS_BACKEND must be one of ['database', 'dummy', 'immediate']" in result.stderr
    assert "got 'rabbit'" in result.stderr
