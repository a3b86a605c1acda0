"""The ``b12ms`` command line.

Thin: parse arguments, read the input, call the library, render. Errors from the b12ms tree are
shown without a traceback and mapped to exit codes (2 input or configuration, 1 knowledge);
anything else is a bug and keeps its traceback. Heavy modules are imported inside commands so
``b12ms --help`` starts fast (see benchmarks/cli_startup.py).
"""

from __future__ import annotations

import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from b12ms._version import __version__
from b12ms.errors import B12msError, ConfigError, InputError

if TYPE_CHECKING:
    from b12ms.knowledge import Knowledge

app = typer.Typer(
    name="b12ms",
    help="Evidence-graded decision support about vitamin B12 for people with MS. "
    "It informs a conversation with a clinician; it never prescribes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class AssessFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    fhir = "fhir"


class TextOrJson(StrEnum):
    text = "text"
    json = "json"


def _emit_json(payload: Any) -> None:
    import json

    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))


def _fail(error: B12msError) -> NoReturn:
    if isinstance(error, InputError):
        for problem in error.problems:
            typer.echo(f"error: {problem}", err=True)
    else:
        typer.echo(f"error: {error}", err=True)
    raise typer.Exit(error.exit_code)


def _knowledge() -> Knowledge:
    from b12ms.knowledge import load_knowledge

    return load_knowledge()


def _read_json(source: str) -> Any:
    from b12ms.inputs import parse_json_text

    if source == "-":
        return parse_json_text(sys.stdin.read(), source="standard input")
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"file not found: {source}") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read {source}: {error}") from None
    return parse_json_text(text, source=source)


def _console() -> Any:
    from rich.console import Console

    return Console(soft_wrap=False)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"b12ms {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """b12ms: vitamin B12 and MS, with reasons and sources."""


@app.command()
def assess(
    file: Annotated[str, typer.Argument(help="Patient snapshot JSON file (or a FHIR Bundle with --fhir), or -.")],
    output_format: Annotated[
        AssessFormat, typer.Option("--format", "-f", help="Output format (fhir: a FHIR R4 collection Bundle).")
    ] = AssessFormat.text,
    as_of: Annotated[
        str | None, typer.Option(help="Assessment date (YYYY-MM-DD); default: the snapshot's as_of, else today.")
    ] = None,
    fhir: Annotated[bool, typer.Option("--fhir", help="FILE is FHIR R4 (a Bundle or a list of resources).")] = False,
) -> None:
    """Assess one person's B12 status from a snapshot (facts and lab results) or FHIR resources."""
    from b12ms.engine import PatientSnapshot
    from b12ms.engine import assess as run_assessment
    from b12ms.inputs import validate_input

    mapping = None
    try:
        data = _read_json(file)
        kb = _knowledge()
        if fhir:
            from b12ms.fhir import assess_fhir

            when = _parse_date(as_of, "--as-of") if as_of else date.today()
            fhir_result = assess_fhir(data, kb, when)
            result, mapping = fhir_result.assessment, fhir_result.mapping
        else:
            snapshot = validate_input(PatientSnapshot, data)
            when = _parse_date(as_of, "--as-of") if as_of else (snapshot.as_of or date.today())
            result = run_assessment(snapshot, kb, when)
        if output_format is AssessFormat.fhir:
            from datetime import UTC, datetime

            from b12ms.fhir import assessment_to_bundle

            _emit_json(assessment_to_bundle(result, kb, recorded=datetime.now(UTC), mapping=mapping))
            return
    except ModuleNotFoundError as error:
        _fail(ConfigError(f"FHIR needs the 'fhir' extra ({error.name} is missing): pip install 'b12ms[fhir]'"))
    except B12msError as error:
        _fail(error)
    if output_format is AssessFormat.json:
        typer.echo(result.model_dump_json(indent=2))
    elif output_format is AssessFormat.markdown:
        from b12ms.render.assessment_text import render_markdown

        typer.echo(render_markdown(result, kb))
    else:
        from b12ms.render.assessment_text import render_rich

        _console().print(render_rich(result, kb))


def _parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option}: {text!r} is not a date in the form YYYY-MM-DD") from None


@app.command()
def knowledge(
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
) -> None:
    """Show the knowledge version, its content hash and every threshold with its references."""
    from b12ms.render.knowledge_text import knowledge_markdown, knowledge_summary, render_knowledge_rich

    try:
        kb = _knowledge()
    except B12msError as error:
        _fail(error)
    if output_format is Format.json:
        _emit_json(knowledge_summary(kb))
    elif output_format is Format.markdown:
        typer.echo(knowledge_markdown(kb))
    else:
        _console().print(render_knowledge_rich(kb))


def main() -> None:
    app()


# --- evidence: claims, forms, references ---------------------------------------------------------


@app.command()
def claims(
    words: Annotated[
        list[str] | None, typer.Argument(help="Words to search for; or 'show ID' for one claim in full.")
    ] = None,
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
) -> None:
    """Graded claims about B12 and MS: verdict, certainty, explanation, sources, citation check."""
    from b12ms.claims import claim_json, get_claim, render_claims_rich, search_claims

    words = words or []
    try:
        kb = _knowledge()
        if len(words) == 2 and words[0] == "show":
            found = [get_claim(kb, words[1])]
            full = True
        else:
            found = search_claims(kb, " ".join(words))
            full = False
    except B12msError as error:
        _fail(error)
    if output_format is Format.json:
        payload = [claim_json(c, kb) for c in found]
        _emit_json(payload[0] if full else {"knowledge": kb.version, "count": len(payload), "claims": payload})
    elif output_format is Format.markdown:
        from b12ms.render.claims_markdown import claims_markdown

        typer.echo(claims_markdown(found, kb))
    else:
        _console().print(render_claims_rich(found, kb, full=full))


def _knowledge_view(output_format: TextOrJson, rich_view: Any, json_view: Any) -> None:
    """Render a view of the knowledge (text for people, JSON for programs)."""
    try:
        kb = _knowledge()
    except B12msError as error:
        _fail(error)
    if output_format is TextOrJson.json:
        _emit_json(json_view(kb))
    else:
        _console().print(rich_view(kb))


@app.command()
def forms(
    output_format: Annotated[TextOrJson, typer.Option("--format", "-f", help="Output format.")] = TextOrJson.text,
) -> None:
    """Forms and routes of B12 and its safety facts, graded, beside what guidelines say."""
    from b12ms.render.evidence_text import forms_json, render_forms_rich

    _knowledge_view(output_format, render_forms_rich, forms_json)


@app.command()
def references(
    output_format: Annotated[TextOrJson, typer.Option("--format", "-f", help="Output format.")] = TextOrJson.text,
) -> None:
    """The bibliography every rule, flag, option and claim cites."""
    from b12ms.render.evidence_text import references_json, render_references_rich

    _knowledge_view(output_format, render_references_rich, references_json)


# --- diet ------------------------------------------------------------------------------------------

foods_app = typer.Typer(help="The USDA SR26 food table (B12, folate, copper per 100 g).", no_args_is_help=True)
app.add_typer(foods_app, name="foods")


@foods_app.command("search")
def foods_search(
    text: Annotated[list[str], typer.Argument(help="Words describing the food, e.g. sardines canned in oil.")],
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many foods to list.")] = 10,
    output_format: Annotated[TextOrJson, typer.Option("--format", "-f", help="Output format.")] = TextOrJson.text,
) -> None:
    """Find foods by words (USDA abbreviations such as CKD, CND, W/ and WHL are understood)."""
    from b12ms.diet import load_food_table

    query = " ".join(text)
    matches = load_food_table().search(query, limit=limit)
    if output_format is TextOrJson.json:
        rows = [
            {"ndb_no": m.food.ndb_no, "description": m.food.description, "b12_ug_per_100g": m.food.b12_ug_per_100g}
            for m in matches
        ]
        _emit_json({"query": query, "foods": rows})
        return
    if not matches:
        typer.echo(f"No food matches {query!r}.")
        return
    for m in matches:
        b12 = "not analysed" if m.food.b12_ug_per_100g is None else f"{m.food.b12_ug_per_100g:g} µg B12/100 g"
        typer.echo(f"{m.food.ndb_no}  {m.food.description}  ({b12})")


@app.command()
def diet(
    file: Annotated[str, typer.Argument(help="Diet JSON file, or - for standard input.")],
    output_format: Annotated[TextOrJson, typer.Option("--format", "-f", help="Output format.")] = TextOrJson.text,
) -> None:
    """How much B12 a day of eating gives, against the UK, US and EU reference intakes."""
    from b12ms.diet import DietInput, compute_diet, load_food_table, load_intakes, render_diet_text
    from b12ms.engine.assessment import Versions
    from b12ms.inputs import validate_input
    from b12ms.knowledge.loader import DATA_DIR, content_sha256, knowledge_version

    try:
        plan = validate_input(DietInput, _read_json(file))
        result = compute_diet(plan, load_food_table(), load_intakes())
    except B12msError as error:
        _fail(error)
    versions = Versions(
        b12ms=__version__, knowledge=knowledge_version(DATA_DIR), knowledge_sha256=content_sha256(DATA_DIR)
    )
    result = result.model_copy(update={"versions": versions})
    if output_format is TextOrJson.json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        typer.echo(render_diet_text(result))


# --- history (the local store) --------------------------------------------------------------------

history_app = typer.Typer(help="Saved results over time, per person, in a local SQLite file.", no_args_is_help=True)
app.add_typer(history_app, name="history")

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database file or SQLAlchemy URL; default: the user's data folder.")
]


def _open_store(db: str | None) -> Any:
    from b12ms.store import open_store
    from b12ms.store.location import store_url_for

    return open_store(store_url_for(db))


@history_app.command("add")
def history_add(
    file: Annotated[str, typer.Argument(help="Patient snapshot JSON file, or - for standard input.")],
    person: Annotated[str, typer.Option("--person", help="Display name (a pseudonym is fine).")],
    db: DbOption = None,
) -> None:
    """Assess a snapshot and save it, with its results, to a person's history."""
    from b12ms.engine import PatientSnapshot
    from b12ms.inputs import validate_input
    from b12ms.store.commands import add_to_history

    try:
        snapshot = validate_input(PatientSnapshot, _read_json(file))
        kb = _knowledge()
        with _open_store(db) as store:
            added = add_to_history(store, person, snapshot, kb, snapshot.as_of or date.today())
    except B12msError as error:
        _fail(error)
    if added.person_created:
        typer.echo(f"new person: {added.person.display_name}")
    typer.echo(f"saved assessment {added.saved.id} ({added.saved.status}, as of {added.saved.as_of})")


@history_app.command("list")
def history_list(
    person: Annotated[str | None, typer.Option("--person", help="Only this person.")] = None,
    db: DbOption = None,
) -> None:
    """List people and their saved assessments."""
    from b12ms.store.commands import history_listing

    try:
        with _open_store(db) as store:
            listing = history_listing(store, person)
    except B12msError as error:
        _fail(error)
    if not listing:
        typer.echo("No one is in the history yet (b12ms history add FILE --person NAME).")
    for who, saved in listing:
        typer.echo(f"{who.display_name}: {len(saved)} saved assessment(s)")
        for item in saved:
            typer.echo(f"  #{item.id}  as of {item.as_of}  {item.status}  ({item.urgency})")


@history_app.command("export")
def history_export(
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write (JSON).")],
    person: Annotated[str | None, typer.Option("--person", help="Only this person.")] = None,
    db: DbOption = None,
) -> None:
    """Export the history (everyone, or one person) as a versioned JSON document."""
    from b12ms.store.commands import export_history_text

    try:
        with _open_store(db) as store:
            text = export_history_text(store, person)
    except B12msError as error:
        _fail(error)
    output.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {output}")


@history_app.command("import")
def history_import(
    file: Annotated[str, typer.Argument(help="A JSON document made by `b12ms history export`, or -.")],
    db: DbOption = None,
) -> None:
    """Import an exported history; identical records are not duplicated; all or nothing."""
    from b12ms.store.commands import import_history_text

    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        with _open_store(db) as store:
            summary = import_history_text(store, text, source=file)
    except FileNotFoundError:
        _fail(InputError(f"file not found: {file}"))
    except B12msError as error:
        _fail(error)
    typer.echo(
        f"imported {summary.people_added} new and {summary.people_matched} known people, "
        f"{summary.assessments_added} assessments ({summary.assessments_skipped} already present), "
        f"{summary.lab_results_added} results ({summary.lab_results_skipped} already present)"
    )


# --- web app ---------------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default 127.0.0.1, this machine only).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    db: Annotated[str | None, typer.Option("--db", help="History database file or URL.")] = None,
    token_file: Annotated[
        Path | None, typer.Option(help="File holding the access token (required for a non-loopback host).")
    ] = None,
) -> None:
    """Run the local web app and JSON API (FastAPI + uvicorn)."""
    try:
        from b12ms.web.server import run
        from b12ms.web.settings import WebSettings

        settings = WebSettings.from_env_and_args(host=host, port=port, db=db, token_file=token_file)
        shown = f"[{settings.host}]" if ":" in settings.host else settings.host
        typer.echo(f"b12ms {__version__} serving on http://{shown}:{settings.port}/  (Ctrl-C to stop)")
        run(settings)
    except ModuleNotFoundError as error:
        _fail(ConfigError(f"the web app needs the 'web' extra ({error.name} is missing): pip install 'b12ms[web]'"))
    except B12msError as error:
        _fail(error)


@app.command("cds-serve")
def cds_serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on (loopback unless issuers are trusted).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8010,
    public_url: Annotated[
        str | None, typer.Option(help="The URL EHRs call (the JWT audience); default http://HOST:PORT.")
    ] = None,
    trusted_issuer: Annotated[
        list[str] | None,
        typer.Option(help="ISSUER=JWKS_FILE_OR_URL; repeat for several EHRs. Without any, loopback callers only."),
    ] = None,
    db: Annotated[str | None, typer.Option("--db", help="Store for card feedback (file or URL).")] = None,
) -> None:
    """Run the CDS Hooks 2.0 service on its own (discovery, patient-view, order-select, feedback)."""
    try:
        from b12ms.cds.server import parse_trusted_issuers, run_cds_server
        from b12ms.cds.settings import CdsSettings
        from b12ms.web.secret import store_url_for

        settings = CdsSettings(
            public_base_url=public_url or f"http://{host}:{port}",
            trusted_issuers=parse_trusted_issuers(trusted_issuer or []),
            store_url=store_url_for(db),
        )
        typer.echo(f"b12ms CDS Hooks service on http://{host}:{port}/cds-services  (Ctrl-C to stop)")
        run_cds_server(settings, host=host, port=port)
    except ModuleNotFoundError as error:
        _fail(ConfigError(f"the CDS service needs the 'fhir' extra ({error.name} is missing)"))
    except B12msError as error:
        _fail(error)


@app.command()
def report(
    file: Annotated[str, typer.Argument(help="Patient snapshot JSON file, or - for standard input.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the report.")],
    html: Annotated[bool, typer.Option("--html", help="Write HTML instead of PDF.")] = False,
    as_of: Annotated[str | None, typer.Option(help="Assessment date (YYYY-MM-DD).")] = None,
) -> None:
    """Write the doctor-ready report (PDF, or HTML with --html) for one snapshot."""
    from b12ms.engine import PatientSnapshot
    from b12ms.engine import assess as run_assessment
    from b12ms.inputs import validate_input

    try:
        snapshot = validate_input(PatientSnapshot, _read_json(file))
        when = _parse_date(as_of, "--as-of") if as_of else (snapshot.as_of or date.today())
        kb = _knowledge()
        result = run_assessment(snapshot, kb, when)
        from b12ms.report.render import render_report_html, render_report_pdf

        if html:
            output.write_text(render_report_html(snapshot, result, kb, generated_on=date.today()), encoding="utf-8")
        else:
            output.write_bytes(render_report_pdf(snapshot, result, kb, generated_on=date.today()))
    except ModuleNotFoundError as error:
        _fail(
            ConfigError(f"the report needs the 'report' extra ({error.name} is missing): pip install 'b12ms[report]'")
        )
    except OSError as error:
        _fail(ConfigError(f"cannot write {output}: {error.strerror}"))
    except B12msError as error:
        _fail(error)
    typer.echo(f"wrote {output}")


# --- population screening ------------------------------------------------------------------------


@app.command()
def screen(
    out: Annotated[Path, typer.Option("--out", help="Folder for persons.parquet/.csv and summary.json/.html.")],
    as_of: Annotated[str, typer.Option("--as-of", help="Screening date (YYYY-MM-DD).")],
    omop: Annotated[
        str | None, typer.Option("--omop", help="OMOP CDM 5.4: a DuckDB file, or a folder of Parquet/CSV tables.")
    ] = None,
    omop_url: Annotated[str | None, typer.Option("--omop-url", help="OMOP CDM in any database ibis reaches.")] = None,
    fhir_ndjson: Annotated[str | None, typer.Option("--fhir-ndjson", help="FHIR Bulk Data NDJSON folder.")] = None,
    labs: Annotated[str | None, typer.Option("--labs", help="Flat lab table (.csv or .parquet).")] = None,
    persons: Annotated[str | None, typer.Option("--persons", help="Optional person table for --labs.")] = None,
    lookback: Annotated[str, typer.Option(help="How far back results count: 365d, 52w, 12m, 1y.")] = "365d",
    population: Annotated[str, typer.Option(help="ms (people with MS) or all.")] = "ms",
    engine: Annotated[str, typer.Option(help="duckdb (embedded, default) or spark.")] = "duckdb",
    spark_master: Annotated[str | None, typer.Option(help="Spark master URL (default local[1]).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress display.")] = False,
) -> None:
    """Screen a cohort with the engine's rules on DuckDB (or Spark): who needs a B12 test or follow-up."""
    from contextlib import nullcontext

    try:
        from b12ms.screen.api import screen_command
        from b12ms.screen.progress import rich_progress

        when = _parse_date(as_of, "--as-of")
        progress: Any = nullcontext(None) if quiet or not sys.stderr.isatty() else rich_progress(_console())
        with progress as on_progress:
            result = screen_command(
                as_of=when,
                out=out,
                omop=omop,
                omop_url=omop_url,
                fhir_ndjson=fhir_ndjson,
                labs=labs,
                persons=persons,
                lookback=lookback,
                population=population,
                engine=engine,
                spark_master=spark_master,
                on_progress=on_progress,
            )
    except B12msError as error:
        _fail(error)
    if not quiet:
        counts = result.summary.get("by_status", result.summary.get("status", {}))
        typer.echo(f"screened into {result.out_dir}: {json_line(counts)}")


def json_line(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the cohort to.")],
    persons: Annotated[int, typer.Option("--persons", min=1, help="How many people.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same cohort).")] = 1,
    output_format: Annotated[
        str, typer.Option("--format", help="omop-duckdb, omop-parquet, fhir-ndjson or labs-csv.")
    ] = "omop-duckdb",
) -> None:
    """Make a realistic synthetic cohort (deterministic for a seed) for screening and benchmarks."""
    try:
        from b12ms.screen.api import synth_command

        written = synth_command(persons=persons, seed=seed, out=out, output_format=output_format)
    except B12msError as error:
        _fail(error)
    typer.echo(f"wrote {persons} synthetic people to {out} ({output_format}): {json_line(written)}")
