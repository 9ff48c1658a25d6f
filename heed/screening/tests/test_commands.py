from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from heed.screening.engine.lexicon import load_lexicon

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def test_screen_reads_stdin_and_prints_one_json_line_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("你这个老赖\n已为您执行自动扣款\n"))
    out = io.StringIO()
    call_command("screen", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["verdict"] for line in lines] == ["block", "pass"]
    assert lines[0]["findings"][0]["match"] == "老赖"


def test_screen_reads_a_file_with_account_facts(tmp_path: Path) -> None:
    source = tmp_path / "messages.txt"
    source.write_text("We will sue you.\n", encoding="utf-8")
    plain, with_facts = io.StringIO(), io.StringIO()
    call_command("screen", str(source), stdout=plain)
    call_command("screen", str(source), "--facts", "litigation_approved", stdout=with_facts)
    assert json.loads(plain.getvalue())["verdict"] == "review"
    assert json.loads(with_facts.getvalue()) == {
        "verdict": "pass",
        "findings": [],
        "lexicon_version": VERSION,
    }


def test_screen_refuses_unknown_facts() -> None:
    with pytest.raises(CommandError, match="unknown fact"):
        call_command("screen", "--facts", "rich_uncle", stdout=io.StringIO())


VERSION = load_lexicon().version
BLOCK_LAORAI = {
    "verdict": "block",
    "findings": [
        {
            "category": "P3",
            "start": 3,
            "end": 5,
            "match": "老赖",
            "rule": "lex:zh:P3:老赖",
            "confidence": 0.95,
        }
    ],
    "lexicon_version": VERSION,
}


def test_screen_reads_a_gbk_file_with_the_encoding_option(tmp_path: Path) -> None:
    source = tmp_path / "gbk.txt"
    source.write_bytes("你这个老赖\r\n已为您执行自动扣款\r\n".encode("gbk"))
    out = io.StringIO()
    call_command("screen", str(source), "--encoding", "gbk", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines == [BLOCK_LAORAI, {"verdict": "pass", "findings": [], "lexicon_version": VERSION}]


@pytest.mark.parametrize(
    ("content", "arguments", "message"),
    [
        (
            "你这个老赖\n".encode("gbk"),
            [],
            "line 1: not valid utf-8 (byte 0xc4 at byte 1 of the line)",
        ),
        (
            b"fine\nalso fine\nbad \xff here\n",
            [],
            "line 3: not valid utf-8 (byte 0xff at byte 5 of the line)",
        ),
        (b"ok\n\x81\x20\n", ["--encoding", "gbk"], "line 2: not valid gbk (byte 0x81"),
    ],
)
def test_screen_names_the_line_that_does_not_decode(
    tmp_path: Path, content: bytes, arguments: list[str], message: str
) -> None:
    source = tmp_path / "input.txt"
    source.write_bytes(content)
    with pytest.raises(CommandError) as caught:
        call_command("screen", str(source), *arguments, stdout=io.StringIO())
    assert str(caught.value).startswith(message)
    assert "--encoding" in str(caught.value)


def test_screen_refuses_an_unknown_or_unsplittable_encoding(tmp_path: Path) -> None:
    source = tmp_path / "input.txt"
    source.write_text("hi\n", encoding="utf-8")
    with pytest.raises(CommandError, match="unknown encoding 'klingon'"):
        call_command("screen", str(source), "--encoding", "klingon", stdout=io.StringIO())
    with pytest.raises(CommandError, match="'utf-16' is not supported"):
        call_command("screen", str(source), "--encoding", "utf-16", stdout=io.StringIO())


def test_screen_writes_utf8_whatever_the_output_encoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    raw = io.BytesIO()
    ascii_stdout = io.TextIOWrapper(raw, encoding="ascii")
    monkeypatch.setattr(
        "sys.stdin", io.TextIOWrapper(io.BytesIO("\ufeff你这个老赖\n".encode()), "ascii")
    )
    call_command("screen", stdout=ascii_stdout)
    assert json.loads(raw.getvalue().decode("utf-8")) == BLOCK_LAORAI


def _manage_screen(
    tmp_path: Path, stdin: bytes, *arguments: str, **env: str
) -> subprocess.CompletedProcess[bytes]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HEED_", "PYTHONIOENCODING", "PYTHONUTF8", "LC_", "LANG"))
        and key != "DATABASE_URL"
    }
    environment.update({"HEED_VAR_DIR": str(tmp_path), "LANG": "C", "LC_ALL": "C", **env})
    return subprocess.run(
        [sys.executable, "manage.py", "screen", *arguments],
        cwd=ROOT,
        env=environment,
        input=stdin,
        capture_output=True,
        timeout=120,
    )


def test_manage_py_screen_outputs_utf8_on_a_latin1_terminal_and_fails_cleanly(
    tmp_path: Path,
) -> None:
    done = _manage_screen(
        tmp_path, "你这个老赖\n".encode(), PYTHONIOENCODING="latin-1", PYTHONUTF8="0"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.decode("utf-8")) == BLOCK_LAORAI
    failed = _manage_screen(tmp_path, b"ok\n\xc4\xe3 bad\n", PYTHONIOENCODING="latin-1")
    assert failed.returncode == 1
    stderr = failed.stderr.decode()
    assert "CommandError: line 2: not valid utf-8" in stderr
    assert "Traceback" not in stderr
    assert [json.loads(line)["verdict"] for line in failed.stdout.decode().splitlines()] == ["pass"]


def test_screening_eval_prints_the_tables() -> None:
    out = io.StringIO()
    call_command("screening_eval", "--skip-cold", stdout=out)
    text = out.getvalue()
    assert "== labelled_v1.csv — lexicon + rules" in text
    assert "false-positive rate" in text


def test_bench_prints_floor_layers_target_and_quality() -> None:

    from heed.screening.bench import run

    out = io.StringIO()
    run(short=30, transcripts=1, out=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("screening throughput: 31 texts")
    assert [line.split()[0] for line in lines[2:5]] == ["floor:", "lexicon", "all"]
    assert lines[5].startswith("target: all layers >= 30% of the floor -> ")
    assert any(line.startswith("holdout_v3.csv (held out)") for line in lines)
