from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from heed.portfolio import crypto, pii
from heed.portfolio.management.commands.rotate_field_keys import rotate
from heed.portfolio.models import ContactPoint, Debtor
from heed.portfolio.selectors import contact_point_plain_value, debtor_plain_national_id
from heed.portfolio.tests.conftest import TEST_KEYS
from heed.portfolio.tests.factories import CreditorFactory
from heed.portfolio.tests.test_import import GOOD, do_import, write_csv


def test_round_trip_and_tamper_detection() -> None:
    token = crypto.encrypt("13812341234", "contact.value")
    assert token.startswith("k1$") and "13812341234" not in token
    assert crypto.decrypt(token, "contact.value") == "13812341234"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, "debtor.address")  # bound to its field
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered, "contact.value")


def test_same_value_encrypts_differently_but_indexes_equally() -> None:
    assert crypto.encrypt("x@y.cn", "contact.value") != crypto.encrypt("x@y.cn", "contact.value")
    assert crypto.blind_index("x@y.cn", "email") == crypto.blind_index("x@y.cn", "email")
    assert crypto.blind_index("x@y.cn", "email") != crypto.blind_index("x@y.cn", "phone")


def test_malformed_keys_refuse_to_load() -> None:
    with pytest.raises(ImproperlyConfigured):
        crypto.parse_keys("k1:short")
    with pytest.raises(ImproperlyConfigured):
        crypto.parse_keys("")


def test_generates_key_file_in_debug(settings: Any, tmp_path: Path) -> None:
    settings.FIELD_KEYS_RAW = ""
    settings.DEBUG = True
    settings.FIELD_KEYS_FILE = tmp_path / "field_keys"
    crypto.reset_keyring()
    token = crypto.encrypt("secret", "p")
    assert settings.FIELD_KEYS_FILE.exists()
    assert oct(settings.FIELD_KEYS_FILE.stat().st_mode & 0o777) == "0o600"
    crypto.reset_keyring()
    assert crypto.decrypt(token, "p") == "secret"  # the same file is reused


def test_missing_keys_refuse_without_debug(settings: Any, tmp_path: Path) -> None:
    settings.FIELD_KEYS_RAW = ""
    settings.DEBUG = False
    settings.FIELD_KEYS_FILE = tmp_path / "none"
    crypto.reset_keyring()
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x", "p")


@pytest.mark.django_db
def test_database_never_holds_personal_data_in_plain_text(tmp_path: Path) -> None:
    do_import(CreditorFactory(code="cfc"), write_csv(tmp_path / "a.csv", [GOOD]))
    secrets = [
        "11010519491231002X",
        "13812341234",
        "13912345678",
        "zhangwei@example.com",
        "ZhangWei",
        "建国路88号",
        "8613812341234",
    ]
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            dump.extend(repr(row) for row in cursor.fetchall())
    text = "\n".join(dump)
    assert Debtor.objects.count() == 1 and ContactPoint.objects.count() == 4  # + postal
    for secret in secrets:
        assert secret not in text, secret


@pytest.mark.django_db
def test_rotation_reencrypts_under_newest_key_and_keeps_lookups(
    settings: Any, tmp_path: Path
) -> None:
    do_import(CreditorFactory(code="cfc"), write_csv(tmp_path / "a.csv", [GOOD]))
    old_index = Debtor.objects.get().national_id_index
    settings.FIELD_KEYS_RAW = TEST_KEYS + ",k2:" + base64.urlsafe_b64encode(b"2" * 32).decode()
    crypto.reset_keyring()
    counts = rotate(batch_size=2)
    assert counts == {"debtor.national_id": 1, "debtor.address": 1, "contactpoint.value": 4}
    debtor = Debtor.objects.get()
    assert crypto.key_id_of(debtor.national_id) == "k2"
    assert debtor.national_id_index == old_index  # the blind-index key did not change
    assert debtor_plain_national_id(debtor) == "11010519491231002X"
    assert {contact_point_plain_value(c) for c in ContactPoint.objects.all()} == {
        "+8613812341234",
        "+8613912345678",
        "zhangwei@example.com",
        "北京市朝阳区建国路88号",  # the address, a postal contact point too
    }
    # Resumable / idempotent: a second run has nothing left to do.
    assert rotate() == {"debtor.national_id": 0, "debtor.address": 0, "contactpoint.value": 0}
    # The old key can now be dropped.
    settings.FIELD_KEYS_RAW = (
        "bi:"
        + base64.urlsafe_b64encode(b"i" * 32).decode()
        + ",k2:"
        + base64.urlsafe_b64encode(b"2" * 32).decode()
    )
    crypto.reset_keyring()
    assert debtor_plain_national_id(Debtor.objects.get()) == "11010519491231002X"


def test_pii_helpers() -> None:
    assert pii.cn_id_is_valid("11010519491231002X")
    assert not pii.cn_id_is_valid("110105194912310021")
    assert not pii.cn_id_is_valid("11010519491331002X")  # month 13
    assert pii.ssn_normalise("123-45-6789") == "123456789"
    assert pii.ssn_normalise("666-45-6789") is None
    assert pii.ssn_normalise("123-00-6789") is None
    assert pii.mask_phone("+8613812341234") == "138****1234"
    assert pii.mask_national_id("11010519491231002X") == "1101**********002X"
    assert pii.mask_national_id("123456789", "us_ssn") == "***-**-6789"
    assert pii.mask_email("zhangwei@example.com") == "z***@example.com"
    assert pii.parse_phone("12345", "CN") is None
    info = pii.parse_phone("+1 (617) 555-0100", "US")
    assert info is not None and info.timezones == ("America/New_York",)


def test_field_cipher_tokens_decrypt_and_its_index_is_the_keyed_hmac() -> None:
    import hashlib
    import hmac

    cipher = crypto.FieldCipher()
    token = cipher.encrypt("13812341234", b"contact")
    assert crypto.decrypt(token, "contact") == "13812341234"
    key = crypto.keyring().index_key
    expected = hmac.new(key, b"phone\x0013812341234", hashlib.sha256).digest()[:16]
    assert cipher.index("13812341234", "phone") == (
        base64.urlsafe_b64encode(expected).decode().rstrip("=")
    )
    assert cipher.index("13812341234", "phone") == crypto.blind_index("13812341234", "phone")


def test_field_cipher_never_repeats_a_nonce_even_across_a_fork() -> None:
    import os

    cipher = crypto.FieldCipher()

    def nonce(token: str) -> bytes:
        return crypto._b64decode(token.partition("$")[2])[:12]

    seen = {nonce(cipher.encrypt(f"v{i}", b"p")) for i in range(10_000)}
    assert len(seen) == 10_000  # across batch refills too
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the forked import worker's situation: same cipher object, new process
        os.write(write, nonce(cipher.encrypt("child", b"p")))
        os._exit(0)
    os.waitpid(child, 0)
    from_child = os.read(read, 12)
    from_parent = nonce(cipher.encrypt("parent", b"p"))
    os.close(read)
    os.close(write)
    assert len(from_child) == 12 and from_child != from_parent
    assert from_child not in seen and from_parent not in seen
