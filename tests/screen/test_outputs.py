"""The output files: persons columns, summary accounting (nothing dropped silently), the HTML page, progress."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from b12ms.screen.progress import STAGES
from b12ms.screen.rules import FINDINGS, FLAGS
from b12ms.screen.sources import OmopSource

from .cohort import AS_OF, Cohort, omop_tables
from .spec_cases import CASES

COHORT = Cohort([case.person(pid) for pid, case in enumerate(CASES, start=1)])


def test_persons_files_have_the_promised_columns_and_agree(run_screen):
    result = run_screen(COHORT)
    parquet = pq.read_table(result.files["persons.parquet"])
    csv = pa_csv.read_csv(result.files["persons.csv"])
    columns = ["person_id", "status", "flags", "next_tests", "findings", "as_of"]
    assert parquet.column_names == columns == csv.column_names
    assert parquet.num_rows == csv.num_rows == len(CASES)
    assert set(parquet["as_of"].to_pylist()) == {AS_OF}
    flags = {f for text in parquet["flags"].to_pylist() for f in text.split(";") if f}
    findings = {f for text in parquet["findings"].to_pylist() for f in text.split(";") if f}
    assert flags <= set(FLAGS) and findings <= set(FINDINGS)


def test_summary_accounts_for_every_row(run_screen):
    summary = json.loads(run_screen(COHORT).files["summary.json"].read_text(encoding="utf-8"))
    for table, counts in summary["rows"].items():
        assert counts["read"] == counts["used"] + sum(counts["excluded"].values()), table
    labs = summary["rows"]["labs"]
    assert labs["read"] == sum(len(case.labs) for case in CASES)
    assert labs["excluded"]["unknown_unit"] == 1 and labs["excluded"]["implausible_value"] == 1
    assert labs["excluded"]["unmapped_code"] == 1 and labs["excluded"]["after_as_of"] == 1
    assert sum(summary["by_status"].values()) == summary["persons"]["screened"] == len(CASES)
    assert summary["by_status"]["deficiency_likely"] == sum(case.status == "deficiency_likely" for case in CASES)
    assert summary["by_finding"]["never_tested"] == sum("never_tested" in case.findings for case in CASES)
    assert summary["versions"]["knowledge_sha256"]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_summary_page_is_readable_and_escapes_what_it_shows(run_screen, tmp_path):
    tables = omop_tables(COHORT)
    folder = tmp_path / "<img src=x onerror=alert(1)>"
    folder.mkdir()
    for name, table in tables.items():
        pq.write_table(table, folder / f"{name}.parquet")
    page = run_screen(OmopSource(path=folder)).files["summary.html"].read_text(encoding="utf-8")
    assert "<img" not in page and "&lt;img src=x" in page
    parser = _Text()
    parser.feed(page)
    text = " ".join(parser.text)
    assert "people screened" in text and "not a diagnosis" in text
    assert page.count("<svg") >= 3


def test_progress_reports_each_stage_start_and_end(kb, tmp_path):
    from b12ms.screen.run import ScreenOptions, screen

    events = []
    screen(
        OmopSource(tables=omop_tables(COHORT)),
        ScreenOptions(as_of=AS_OF, population="all"),
        tmp_path / "out",
        knowledge=kb,
        on_progress=events.append,
    )
    assert [(e.stage, e.finished) for e in events] == [(s, f) for s, _ in STAGES for f in (False, True)]
    assert all(e.total == len(STAGES) for e in events)


def test_screen_command_runs_from_cli_style_arguments_with_rich_progress(tmp_path):
    import io
    from datetime import date

    from rich.console import Console

    from b12ms.screen import rich_progress, screen_command

    labs = tmp_path / "labs.csv"
    labs.write_text("person_id,code,value,unit,date\n1,2132-9,150,ng/L,2026-05-01\n", encoding="utf-8")
    output = io.StringIO()
    with rich_progress(Console(file=output, width=100, force_terminal=False)) as on_progress:
        result = screen_command(
            labs=labs, as_of=date(2026, 6, 1), lookback="1y", population="all", out=tmp_path / "out",
            on_progress=on_progress,
        )  # fmt: skip
    assert result.summary["by_status"]["deficiency_likely"] == 1
    shown = output.getvalue()
    assert all(label in shown for _, label in STAGES)
