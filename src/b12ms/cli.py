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
from b12ms.errors import B12msError, InputError

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
    file: Annotated[str, typer.Argument(help="Patient snapshot JSON file, or - for standard input.")],
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    as_of: Annotated[
        str | None,
        typer.Option(help="Assessment date (YYYY-MM-DD); default: the snapshot's as_of, else today."),
    ] = None,
) -> None:
    """Assess one person's B12 status from a snapshot (facts and lab results)."""
    from b12ms.engine import PatientSnapshot
    from b12ms.engine import assess as run_assessment
    from b12ms.inputs import validate_input

    try:
        snapshot = validate_input(PatientSnapshot, _read_json(file))
        when = _parse_date(as_of, "--as-of") if as_of else (snapshot.as_of or date.today())
        kb = _knowledge()
        result = run_assessment(snapshot, kb, when)
    except B12msError as error:
        _fail(error)
    if output_format is Format.json:
        typer.echo(result.model_dump_json(indent=2))
    elif output_format is Format.markdown:
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
        import json

        typer.echo(json.dumps(knowledge_summary(kb), indent=2, ensure_ascii=False))
    elif output_format is Format.markdown:
        typer.echo(knowledge_markdown(kb))
    else:
        _console().print(render_knowledge_rich(kb))


def main() -> None:
    app()
