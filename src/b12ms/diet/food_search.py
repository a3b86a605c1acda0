"""Finding foods in the USDA table by words, and deciding when a name is unambiguous.

USDA's short descriptions are abbreviated ("SARDINE,ATLANTIC,CND IN OIL,DRND SOL W/BONE"), so a
query and a description only meet after both go through the same :func:`normalise_words`:

1. lower case, accents removed, apostrophes dropped ("KELLOGG'S" → "kelloggs");
2. glued prefixes expanded ("W/BONE" → "with bone", "WO/SALT" → "without salt");
3. split on anything that is not a letter, a digit or ``%``;
4. each abbreviation expanded from ``knowledge/data/foods/abbreviations.toml`` ("CKD" → "cooked");
5. plurals reduced by :func:`reduce_plural` ("sardines" → "sardine"), then synonyms applied
   ("tinned" → "canned");
6. stop words ("in", "of", …) dropped.

Ranking (:meth:`SearchIndex.search`), best first: the number of query words the food contains; then
the sum of those words' rarity (inverse document frequency, so "sardine" outweighs "canned"); then
foods whose description *starts* with a query word ("SARDINE,…" before "FISH OIL,SARDINE"); then
fewer extra words (the plain food before its variants); then the NDB number, so the order is stable.
A query word found in no description still matches words that start with it ("sard") or, failing
that, the closest spelling ("sardnes"), at half weight.

When a name is a clear winner (:meth:`SearchIndex.clear_winner`) is a safety rule, not a ranking
detail: a diet figure must never come from a food the person did not mean. A name resolves only
when every query word is found exactly (no prefix or spelling guesses) and either (a) exactly one
food contains all of them, or (b) several do but exactly one has no words beyond the query
("tempeh" → TEMPEH, not TEMPEH,CKD). Anything else is ambiguous and the caller must choose. Pinned by
``tests/diet/test_food_search.py``.
"""

from __future__ import annotations

import bisect
import difflib
import math
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError, field_validator

from b12ms.errors import KnowledgeError
from b12ms.inputs import field_path
from b12ms.knowledge.base import Record, RefIds

__all__ = [
    "SearchHit",
    "SearchIndex",
    "SearchVocabulary",
    "load_search_vocabulary",
    "normalise_words",
    "reduce_plural",
]

_PARTIAL_WEIGHT = 0.5  # a prefix or spelling guess counts half as much as an exact word
_MIN_PREFIX_LENGTH = 3  # "eg" would match half the table; "egg" is a real word
_SPLIT = re.compile(r"[^a-z0-9%]+")
_MEMO_LIMIT = 50_000  # distinct tokens remembered; the table has ~6,000, the rest come from queries


class SearchVocabulary(Record):
    """The abbreviation, synonym and stop-word tables from ``abbreviations.toml``."""

    references: RefIds
    words: dict[str, str]
    prefixes: dict[str, str]
    synonyms: dict[str, str]
    stop_words: frozenset[str]

    @field_validator("words", "prefixes")
    @classmethod
    def _abbreviations_are_upper_case(cls, table: dict[str, str]) -> dict[str, str]:
        for key, value in table.items():
            if key != key.upper() or not value.strip() or value != value.lower():
                raise ValueError(f"{key!r} = {value!r}: keys must be upper case, values lower-case words")
        return table

    @field_validator("synonyms")
    @classmethod
    def _synonyms_are_lower_case(cls, table: dict[str, str]) -> dict[str, str]:
        for key, value in table.items():
            if key != key.lower() or value != value.lower() or not key.isalpha() or not value.isalpha():
                raise ValueError(f"{key!r} = {value!r}: synonyms must be single lower-case words")
        return table

    @field_validator("stop_words")
    @classmethod
    def _stop_words_are_lower_case(cls, words: frozenset[str]) -> frozenset[str]:
        wrong = sorted(w for w in words if w != w.lower() or not w.isalpha())
        if wrong:
            raise ValueError(f"stop words must be lower-case words: {', '.join(wrong)}")
        return words


def load_search_vocabulary(path: Path) -> SearchVocabulary:
    """Read and validate ``abbreviations.toml``; a bad file raises :class:`KnowledgeError`."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        stop = raw.get("stop_words", {})
        if not isinstance(stop, dict) or set(stop) != {"words"}:
            raise KnowledgeError(f"{path}: [stop_words] must hold exactly one key, 'words'")
        raw["stop_words"] = stop["words"]
        return SearchVocabulary.model_validate(raw)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise KnowledgeError(f"{path}: cannot read the search vocabulary: {error}") from None
    except ValidationError as error:
        faults = "; ".join(f"{field_path(e['loc'])}: {e['msg']}" for e in error.errors(include_url=False))
        raise KnowledgeError(f"{path}: invalid search vocabulary: {faults}") from None


def reduce_plural(word: str) -> str:
    """A crude English singular, applied to queries and descriptions alike so both meet.

    It only has to be consistent, not correct: "cookies" and "cookie" both become "cooky".
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ie") and len(word) > 4:
        return word[:-2] + "y"
    if word.endswith(("sses", "ches", "shes", "xes", "oes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class _Normaliser:
    """:func:`normalise_words` with the vocabulary compiled once."""

    def __init__(self, vocabulary: SearchVocabulary) -> None:
        self.stop_words = frozenset(vocabulary.stop_words)
        self.words = {key.lower(): value.split() for key, value in vocabulary.words.items()}
        self.synonyms = {reduce_plural(k): reduce_plural(v) for k, v in vocabulary.synonyms.items()}
        prefixes = sorted(vocabulary.prefixes.items(), key=lambda item: -len(item[0]))
        self.prefix_words = {key.lower(): f" {value} " for key, value in prefixes}
        alternatives = "|".join(re.escape(key.lower()) for key, _ in prefixes)
        self.prefix_pattern = re.compile(rf"(?<![a-z0-9])({alternatives})") if prefixes else None
        self._token_words: dict[str, tuple[str, ...]] = {}

    def __call__(self, text: str) -> tuple[str, ...]:
        folded = text.lower()
        if not folded.isascii():
            folded = unicodedata.normalize("NFKD", folded)
            folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
        folded = folded.replace("'", "")
        if self.prefix_pattern is not None:
            folded = self.prefix_pattern.sub(lambda m: self.prefix_words[m.group(1)], folded)
        out: list[str] = []
        for token in _SPLIT.split(folded):
            words = self._token_words.get(token)
            if words is None:
                words = self._words_for_token(token)
                if len(self._token_words) < _MEMO_LIMIT:  # queries must not grow it without bound
                    self._token_words[token] = words
            out.extend(words)
        return tuple(out)

    def _words_for_token(self, token: str) -> tuple[str, ...]:
        # Memoised by __call__: the 8,463 descriptions share a few thousand distinct tokens, and
        # building the index must stay fast enough for `b12ms foods search` to feel instant.
        out: list[str] = []
        for word in self.words.get(token, [token] if token else []):
            word = reduce_plural(word)
            word = self.synonyms.get(word, word)
            if word not in self.stop_words:
                out.append(word)
        return tuple(out)


def normalise_words(text: str, vocabulary: SearchVocabulary) -> tuple[str, ...]:
    """The search words of ``text``, in order, as described in the module docstring."""
    return _Normaliser(vocabulary)(text)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search hit: the position of the food in the indexed sequence and how it matched."""

    position: int
    matched_words: tuple[str, ...]
    missing_words: tuple[str, ...]
    guessed_words: tuple[str, ...]
    """Query words matched only by a prefix or a spelling guess, not exactly."""
    score: float


@dataclass(frozen=True, slots=True)
class _QueryWord:
    word: str
    forms: frozenset[str]
    """The indexed words it stands for: itself, or the words it is a prefix or misspelling of."""
    positions: frozenset[int]
    weight: float
    guessed: bool


class SearchIndex:
    """An inverted index from normalised words to the foods (by position) that contain them.

    It knows descriptions and sort keys only, so it stays independent of the food model.
    """

    def __init__(self, descriptions: Sequence[str], tie_breakers: Sequence[str], vocabulary: SearchVocabulary) -> None:
        if len(descriptions) != len(tie_breakers):
            raise ValueError("one tie-breaker per description")
        self._tie_breakers = tuple(tie_breakers)
        self._normalise = _Normaliser(vocabulary)
        self._words = [self._normalise(description) for description in descriptions]
        postings: dict[str, set[int]] = {}
        for position, words in enumerate(self._words):
            for word in words:
                postings.setdefault(word, set()).add(position)
        self._postings = {word: frozenset(found) for word, found in postings.items()}
        self._sorted_vocabulary = sorted(self._postings)

    def query_words(self, text: str) -> tuple[str, ...]:
        """The normalised, de-duplicated words of a query."""
        return tuple(dict.fromkeys(self._normalise(text)))

    def words_of(self, position: int) -> tuple[str, ...]:
        """The normalised words of one indexed description."""
        return self._words[position]

    def _rarity(self, food_count: int) -> float:
        return math.log((1 + len(self._words)) / (1 + food_count)) + 1.0

    def _match_word(self, word: str) -> _QueryWord:
        exact = self._postings.get(word)
        if exact is not None:
            return _QueryWord(word, frozenset((word,)), exact, self._rarity(len(exact)), guessed=False)
        similar = self._words_starting_with(word) if len(word) >= _MIN_PREFIX_LENGTH else []
        if not similar:
            similar = difflib.get_close_matches(word, self._sorted_vocabulary, n=3, cutoff=0.8)
        positions = frozenset().union(*(self._postings[w] for w in similar))
        weight = _PARTIAL_WEIGHT * self._rarity(len(positions))
        return _QueryWord(word, frozenset(similar), positions, weight, guessed=True)

    def _words_starting_with(self, prefix: str) -> list[str]:
        start = bisect.bisect_left(self._sorted_vocabulary, prefix)
        found: list[str] = []
        for word in self._sorted_vocabulary[start:]:
            if not word.startswith(prefix):
                break
            found.append(word)
        return found

    def search(self, text: str, limit: int = 10) -> list[SearchHit]:
        """Descriptions containing at least one query word, best first (see the module docstring)."""
        words = [self._match_word(w) for w in self.query_words(text)]
        query_forms = frozenset().union(*(w.forms for w in words))
        candidates: set[int] = set().union(*(w.positions for w in words))
        ranked: list[tuple[tuple[int, float, int, int, str], SearchHit]] = []
        for position in candidates:
            matched = [w for w in words if position in w.positions]
            food_words = self._words[position]
            score = sum(w.weight for w in matched)
            starts_with_query_word = 0 if food_words and food_words[0] in query_forms else 1
            extra_words = len(set(food_words) - query_forms)
            key = (-len(matched), -score, starts_with_query_word, extra_words, self._tie_breakers[position])
            hit = SearchHit(
                position=position,
                matched_words=tuple(w.word for w in matched),
                missing_words=tuple(w.word for w in words if position not in w.positions),
                guessed_words=tuple(w.word for w in matched if w.guessed),
                score=round(score, 4),
            )
            ranked.append((key, hit))
        ranked.sort(key=lambda pair: pair[0])
        return [hit for _, hit in ranked[: max(limit, 0)]]

    def positions_with_all_words(self, text: str) -> frozenset[int]:
        """Positions of the descriptions that contain every query word exactly."""
        words = self.query_words(text)
        if not words:
            return frozenset()
        return frozenset.intersection(*(self._postings.get(w, frozenset()) for w in words))

    def clear_winner(self, text: str) -> int | None:
        """The position of the one food ``text`` unambiguously names, or None.

        The rule is in the module docstring: every query word found exactly, and either one food
        holds them all or exactly one of those that do has no other words.
        """
        holding_all = self.positions_with_all_words(text)
        if len(holding_all) == 1:
            return next(iter(holding_all))
        query_set = set(self.query_words(text))
        plain = [p for p in holding_all if set(self._words[p]) <= query_set]
        return plain[0] if len(plain) == 1 else None
