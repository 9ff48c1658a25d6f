from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


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
    assert json.loads(with_facts.getvalue()) == {"verdict": "pass", "findings": []}


def test_screen_refuses_unknown_facts() -> None:
    with pytest.raises(CommandError, match="unknown fact"):
        call_command("screen", "--facts", "rich_uncle", stdout=io.StringIO())


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
