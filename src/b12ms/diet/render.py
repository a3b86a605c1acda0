"""The diet result as plain text for an 80-column terminal (``b12ms diet --format text``).

Plain text rather than a Rich table so the output reads the same in a terminal, a pipe, a log file
and a test; the CLI may still print it through Rich. Every line fits in :data:`WIDTH` columns
(``tests/diet/test_diet_spec.py``). Figures come only from the :class:`DietResult`; nothing is
recomputed here.
"""

from __future__ import annotations

import textwrap

from b12ms.diet.result import DietResult, ItemResult, TargetResult

__all__ = ["WIDTH", "render_diet_text"]

WIDTH = 80
_DESCRIPTION_WIDTH = 44
_INDENT = "  "


def _ug(value: float | None) -> str:
    return "not analysed" if value is None else f"{value:,.2f} µg"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _wrap(text: str, *, indent: str = _INDENT, first: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent + (" " * (len(first) - len(indent)) if first else ""),
        break_on_hyphens=False,
    )


def _item_lines(item: ItemResult) -> list[str]:
    description = _clip(item.description, _DESCRIPTION_WIDTH)
    grams = f"{item.grams:,.1f} g"
    lines = [f"{_INDENT}{item.ndb_no}  {description:<{_DESCRIPTION_WIDTH}} {grams:>10} {_ug(item.b12_ug):>13}"]
    if item.portion_description is not None:
        lines.append(f"{_INDENT}       {item.amount:g} × {item.unit} ({item.portion_description})")
    elif item.unit != "g":
        lines.append(f"{_INDENT}       {item.amount:g} {item.unit}")
    return [_clip(line, WIDTH) for line in lines]


def _met(value: bool | None) -> str:
    return {True: "met", False: "not met", None: "unknown"}[value]


def _target_lines(target: TargetResult) -> list[str]:
    head = f"{_INDENT}{target.short_name:<8} {target.value_ug_per_day:>4.1f} µg/day   "
    head += f"food: {_met(target.met_by_food):<8} food + supplements: {_met(target.met_by_food_and_supplements)}"
    source = f"{target.name}; sources: {', '.join(target.references)}"
    if target.verified == "secondary":
        source += " (secondary source)"
    return [_clip(head, WIDTH), *_wrap(source, indent=_INDENT * 3)]


def render_diet_text(result: DietResult) -> str:
    """The result as text lines of at most 80 columns, ending with a newline."""
    lines = [
        f"Vitamin B12 diet check — {result.life_stage}, {result.age} years, {result.diet}",
        _clip(f"Food figures: {result.provenance.food_table.short_name}", WIDTH),
        "",
    ]
    for meal_index, meal in enumerate(result.meals):
        lines.append(meal.name)
        for item in result.items:
            if item.meal_index == meal_index:
                lines.extend(_item_lines(item))
        total = f"{_INDENT}meal total {_ug(meal.b12_ug)}"
        if meal.incomplete:
            total += " (analysed foods only)"
        lines.append(f"{total}; absorbed ≈ {meal.absorbed_b12_ug_estimate:.2f} µg (estimate)")
        lines.append("")
    if result.supplements:
        lines.append("Supplements")
        for supplement in result.supplements:
            lines.extend(
                _wrap(
                    f"{supplement.name} ({supplement.route}) {supplement.dose_ug_per_day:,g} µg/day; "
                    f"absorbed ≈ {supplement.absorbed_b12_ug_estimate:.2f} µg (estimate)"
                )
            )
        lines.append("")

    absorbed = result.absorbed_b12_ug
    lines.append("Totals per day")
    lines.append(f"{_INDENT}Food {_ug(result.food_b12_ug)}   Supplements {_ug(result.supplement_b12_ug)}")
    lines.append(f"{_INDENT}Total eaten {_ug(result.total_b12_ug)}")
    lines.append(
        f"{_INDENT}Absorbed (estimate): food {absorbed.from_food:.2f} µg + supplements "
        f"{absorbed.from_supplements:.2f} µg = {absorbed.total:.2f} µg"
    )
    lines.extend(_wrap(f"Model: {absorbed.model} Sources: {', '.join(absorbed.references)}.", indent=_INDENT))
    if result.incomplete:
        lines.append(f"{_INDENT}Incomplete: B12 not analysed for")
        for missing in result.not_analysed:
            lines.append(_clip(f"{_INDENT * 2}{missing.path}  {missing.ndb_no} {missing.description}", WIDTH))
    lines.append("")

    lines.append("Reference intakes (amounts eaten per day)")
    if not result.targets:
        lines.append(f"{_INDENT}none held for this age (see notes)")
    for target in result.targets:
        lines.extend(_target_lines(target))
    lines.append("")

    lines.append("Notes")
    for note in result.notes:
        about = f" (about {', '.join(note.items)})" if note.items else ""
        text = f"{note.text}{about} [{', '.join(note.references)}]"
        lines.extend(_wrap(text, indent=_INDENT + "  ", first=_INDENT + "- "))
    provenance = result.provenance
    lines.append("")
    lines.append(
        _clip(
            f"b12ms {provenance.package_version} · food table sha256 {provenance.food_table.sha256[:12]}"
            f" · intakes sha256 {provenance.intakes_sha256[:12]}",
            WIDTH,
        )
    )
    return "\n".join(lines) + "\n"
