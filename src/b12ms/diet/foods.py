"""The USDA SR26 food table: B12, folate and copper per 100 g, with household portions.

Loaded from ``knowledge/data/foods/usda_sr26_b12.csv`` (provenance in that folder's README). A blank
cell means *not analysed*: it stays ``None`` all the way to the output and is never read as zero,
because "no B12 measured" and "no B12" lead to different advice.

Foods are named tuples rather than pydantic records (or frozen dataclasses, whose ``__init__`` is
about three times slower) because there are 8,463 of them and ``b12ms diet`` must answer in well
under a second; :func:`load_food_table` checks every cell itself and names the file, line and column
of anything wrong. Pinned by ``tests/diet/test_diet_spec.py``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from b12ms.diet.food_search import SearchIndex, SearchVocabulary, load_search_vocabulary
from b12ms.errors import InputError, KnowledgeError, Problem

__all__ = [
    "DEFAULT_ABBREVIATIONS_PATH",
    "DEFAULT_FOOD_TABLE_PATH",
    "Food",
    "FoodMatch",
    "FoodTable",
    "Portion",
    "load_food_table",
]

_FOODS_DIR = Path(__file__).resolve().parents[1] / "knowledge" / "data" / "foods"
DEFAULT_FOOD_TABLE_PATH = _FOODS_DIR / "usda_sr26_b12.csv"
DEFAULT_ABBREVIATIONS_PATH = _FOODS_DIR / "abbreviations.toml"

_COLUMNS = (
    "ndb_no",
    "description",
    "food_group",
    "b12_ug_per_100g",
    "folate_dfe_ug_per_100g",
    "folic_acid_ug_per_100g",
    "copper_mg_per_100g",
    "portion1_g",
    "portion1_desc",
    "portion2_g",
    "portion2_desc",
)
_CANDIDATES_SHOWN = 5  # enough to choose from, short enough to read in an error message


class Portion(NamedTuple):
    """A household measure from the table, such as ``1 cup, chopped`` = 136 g."""

    grams: float
    description: str


class Food(NamedTuple):
    """One row of the USDA table. Nutrient values are per 100 g edible portion; None = not analysed."""

    ndb_no: str
    """The 5-character NDB number, leading zeros kept (``"01129"``)."""
    description: str
    food_group: str | None
    b12_ug_per_100g: float | None
    folate_dfe_ug_per_100g: float | None
    folic_acid_ug_per_100g: float | None
    copper_mg_per_100g: float | None
    portion1: Portion | None
    portion2: Portion | None

    def household_portion(self, number: int) -> Portion | None:
        """Household portion 1 or 2, or None when the table gives no weight for it."""
        if number not in (1, 2):
            raise ValueError(f"USDA SR26 has portions 1 and 2, not {number}")
        return self.portion1 if number == 1 else self.portion2

    @property
    def label(self) -> str:
        """``15088 SARDINE,ATLANTIC,…`` — how a food is named in messages."""
        return f"{self.ndb_no} {self.description}"


@dataclass(frozen=True, slots=True)
class FoodMatch:
    """One search result: the food, the query words it contains and its score."""

    food: Food
    matched_words: tuple[str, ...]
    missing_words: tuple[str, ...]
    guessed_words: tuple[str, ...]
    """Query words matched only by a prefix or a spelling guess, not exactly."""
    score: float


class FoodTable:
    """All foods by NDB number, with word search. Immutable once built."""

    def __init__(self, foods: tuple[Food, ...], vocabulary: SearchVocabulary, *, sha256: str, source: str) -> None:
        self._foods = foods
        self._by_ndb = {food.ndb_no: food for food in foods}
        if len(self._by_ndb) != len(foods):
            raise KnowledgeError(f"{source}: NDB numbers must be unique")
        self._vocabulary = vocabulary
        self.sha256 = sha256
        """SHA-256 of the CSV file, carried into every diet result."""
        self.source = source

    def __len__(self) -> int:
        return len(self._foods)

    def __iter__(self) -> Iterator[Food]:
        return iter(self._foods)

    def get(self, ndb_no: str) -> Food | None:
        """The food with this 5-character NDB number (``"01129"``), or None."""
        return self._by_ndb.get(ndb_no)

    @cached_property
    def _index(self) -> SearchIndex:
        # Built on the first text query only: a diet that names every food by NDB number skips it.
        return SearchIndex(
            [food.description for food in self._foods],
            [food.ndb_no for food in self._foods],
            self._vocabulary,
        )

    def search(self, text: str, limit: int = 10) -> list[FoodMatch]:
        """Foods matching the words of ``text``, best first (ranking in :mod:`b12ms.diet.food_search`)."""
        return [
            FoodMatch(
                food=self._foods[hit.position],
                matched_words=hit.matched_words,
                missing_words=hit.missing_words,
                guessed_words=hit.guessed_words,
                score=hit.score,
            )
            for hit in self._index.search(text, limit)
        ]

    def resolve(self, text_or_ndb: str, *, path: str = "food") -> Food:
        """The food named by an NDB number or by words; otherwise an :class:`InputError` at ``path``.

        Digits alone are an NDB number (zero-padded to 5, so ``1129`` is ``01129``). Words must name
        a clear winner (rule in :mod:`b12ms.diet.food_search`); when they do not, the error lists the
        best candidates with their NDB numbers so the person can pick one.
        """
        text = text_or_ndb.strip()
        if text.isdigit():
            return self._resolve_ndb(text, path)
        if not self._index.query_words(text):
            raise InputError(Problem(path, "names no food: give an NDB number or words from a description"))
        winner = self._index.clear_winner(text)
        if winner is not None:
            return self._foods[winner]
        raise InputError(self._ambiguity_problem(text, path))

    def _resolve_ndb(self, digits: str, path: str) -> Food:
        if len(digits) > 5:
            raise InputError(Problem(path, f"{digits!r} is not an NDB number (they have 5 digits)"))
        ndb_no = digits.zfill(5)
        food = self._by_ndb.get(ndb_no)
        if food is None:
            raise InputError(Problem(path, f"no food has NDB number {ndb_no} in USDA SR26"))
        return food

    def _ambiguity_problem(self, text: str, path: str) -> Problem:
        full_count = len(self._index.positions_with_all_words(text))
        matches = self.search(text, limit=max(full_count, _CANDIDATES_SHOWN))
        if full_count > 1:
            # List only foods holding every word: a partial match is no answer to "which one?".
            matches = [m for m in matches if not m.missing_words and not m.guessed_words]
        matches = matches[:_CANDIDATES_SHOWN]
        if not matches:
            return Problem(path, f"no food matches {text!r}; try other words or an NDB number")
        listed = "; ".join(m.food.label for m in matches)
        if full_count > 1:
            message = f"{text!r} matches {full_count} foods; give the NDB number of the one you mean: "
            message += listed + ("; …" if full_count > len(matches) else "")
        else:
            message = f"no food contains every word of {text!r} exactly; closest: {listed}"
        return Problem(path, message, suggestion=matches[0].food.ndb_no)


class _RowReader:
    """Turns CSV rows into foods, naming file, line and column in every error.

    Error texts are built only when something is wrong: formatting a location for each of the
    ~93,000 cells would double the load time.
    """

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.line = 0

    def where(self, column: str) -> str:
        return f"{self.file_name} line {self.line}, column {column}"

    def number(self, cell: str, column: str) -> float | None:
        """A non-negative finite number, or None for a blank (not analysed) cell."""
        if not cell:
            return None
        try:
            value = float(cell)
        except ValueError:
            if cell.isspace():
                return None
            raise KnowledgeError(f"{self.where(column)}: {cell!r} is not a number") from None
        if not 0 <= value < math.inf:  # also false for NaN
            raise KnowledgeError(f"{self.where(column)}: {cell!r} must be a finite number ≥ 0")
        return value

    def portion(self, grams_cell: str, description: str, column: str) -> Portion | None:
        # One row (42063 PECTIN,LIQUID) describes a portion but gives no weight: a portion without
        # grams cannot be used, so it counts as no portion (tests/diet/test_diet_spec.py).
        grams = self.number(grams_cell, column)
        if grams is None:
            return None
        if grams == 0 or not description.strip():
            raise KnowledgeError(f"{self.where(column)}: a portion needs a weight above 0 g and a description")
        return Portion(grams, " ".join(description.split()))

    def food(self, row: list[str], line: int) -> Food:
        self.line = line
        if len(row) != len(_COLUMNS):
            raise KnowledgeError(f"{self.file_name} line {line}: expected {len(_COLUMNS)} columns, found {len(row)}")
        ndb_no, description, group = row[0], row[1].strip(), row[2].strip()
        if len(ndb_no) != 5 or not ndb_no.isdigit():
            raise KnowledgeError(f"{self.where('ndb_no')}: {ndb_no!r} must be 5 digits (keep leading zeros)")
        if not description:
            raise KnowledgeError(f"{self.where('description')}: must not be blank")
        number = self.number
        return Food(
            ndb_no,
            description,
            group or None,
            number(row[3], "b12_ug_per_100g"),
            number(row[4], "folate_dfe_ug_per_100g"),
            number(row[5], "folic_acid_ug_per_100g"),
            number(row[6], "copper_mg_per_100g"),
            self.portion(row[7], row[8], "portion1_g"),
            self.portion(row[9], row[10], "portion2_g"),
        )


def load_food_table(
    path: Path = DEFAULT_FOOD_TABLE_PATH, *, abbreviations_path: Path = DEFAULT_ABBREVIATIONS_PATH
) -> FoodTable:
    """Read and check the food table CSV; any bad cell raises :class:`KnowledgeError`."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise KnowledgeError(f"{path}: cannot read the food table: {error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise KnowledgeError(f"{path}: not UTF-8 ({error})") from None
    rows = csv.reader(io.StringIO(text, newline=""))
    header = tuple(next(rows, ()))
    if header != _COLUMNS:
        raise KnowledgeError(f"{path}: header must be {','.join(_COLUMNS)}, found {','.join(header)}")
    reader = _RowReader(path.name)
    foods = tuple(reader.food(row, rows.line_num) for row in rows if row)
    return FoodTable(
        foods,
        load_search_vocabulary(abbreviations_path),
        sha256=hashlib.sha256(raw).hexdigest(),
        source=path.name,
    )
