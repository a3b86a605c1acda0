"""Spec tests for finding foods by words in the USDA SR26 table and for the clear-winner rule."""

from __future__ import annotations

import re

import pytest

from b12ms.diet import load_food_table
from b12ms.diet.food_search import load_search_vocabulary, normalise_words, reduce_plural
from b12ms.diet.foods import DEFAULT_ABBREVIATIONS_PATH, FoodTable
from b12ms.errors import InputError

SARDINES_IN_OIL = "SARDINE,ATLANTIC,CND IN OIL,DRND SOL W/BONE"


@pytest.fixture(scope="module")
def foods() -> FoodTable:
    return load_food_table()


# --- normalising words ---------------------------------------------------------------------------

NORMALISED = [
    ("CKD", ("cooked",)),
    ("CND", ("canned",)),
    ("WHL", ("whole",)),
    ("RAW", ("raw",)),
    ("DRND SOL", ("drained", "solid")),
    ("FRZ,BNLS", ("frozen", "boneless")),
    ("W/BONE", ("bone",)),  # "with" is a stop word; the glued prefix must still come off
    ("W/ ADDED VITAMIN D", ("added", "vitamin", "d")),
    ("WO/SALT", ("without", "salt")),
    ("WO/ SALT", ("without", "salt")),
    ("PAN-FRIED", ("pan", "fried")),
    ("sardines canned in oil", ("sardine", "canned", "oil")),
    ("tinned", ("canned",)),
    ("KELLOGG'S", ("kellogg",)),  # the apostrophe goes, then the "s" like a plural
    ("Jalapeño", ("jalapeno",)),
    ("RTE", ("ready", "eat")),
    ("H2O", ("water",)),
]


@pytest.mark.parametrize(("text", "words"), NORMALISED)
def test_descriptions_and_queries_are_normalised_the_same_way(text: str, words: tuple[str, ...]) -> None:
    vocabulary = load_search_vocabulary(DEFAULT_ABBREVIATIONS_PATH)
    assert normalise_words(text, vocabulary) == words


@pytest.mark.parametrize(
    ("word", "singular"),
    [
        ("sardines", "sardine"),
        ("potatoes", "potato"),
        ("peaches", "peach"),
        ("cookies", "cooky"),
        ("cookie", "cooky"),
        ("eggs", "egg"),
        ("asparagus", "asparagus"),
        ("hummus", "hummus"),
        ("egg", "egg"),
    ],
)
def test_plurals_reduce_to_the_same_word_as_their_singular(word: str, singular: str) -> None:
    assert reduce_plural(word) == singular


def test_ambiguous_usda_abbreviations_are_not_expanded() -> None:
    # FR is "free", "fried" and "french" in the table; guessing would find the wrong food.
    vocabulary = load_search_vocabulary(DEFAULT_ABBREVIATIONS_PATH)
    for token in ("FR", "SP", "FT", "CHK", "RED", "LIP", "GRD"):
        assert token not in vocabulary.words


# --- search and ranking --------------------------------------------------------------------------


def test_sardines_canned_in_oil_finds_the_usda_sardine_row_first(foods: FoodTable) -> None:
    best = foods.search("sardines canned in oil")[0]
    assert best.food.description == SARDINES_IN_OIL
    assert best.food.ndb_no == "15088"
    assert best.missing_words == ()


@pytest.mark.parametrize(
    ("query", "ndb_no", "description"),
    [
        ("egg whole cooked hard boiled", "01129", "EGG,WHL,CKD,HARD-BOILED"),  # WHL, CKD
        ("beef liver cooked pan fried", "13327", "BEEF, VAR MEATS&BY-PRODUCTS, LIVER, CKD, PAN-FRIED"),
        ("sardines canned tomato sauce", "15089", "SARDINE,PACIFIC,CND IN TOMATO SAU,DRND SOL W/BONE"),  # CND, SAU
        ("clams canned drained solids", "15160", "CLAM,MXD SP,CND,DRND SOL"),  # CND, DRND, SOL
        ("sardines with bone canned in oil", "15088", SARDINES_IN_OIL),  # W/
        ("tinned sardines in oil", "15088", SARDINES_IN_OIL),  # British synonym for CND
        ("chicken breast with skin roasted", "05060", "CHICKEN,BROILERS OR FRYERS,BREAST,MEAT&SKN,CKD,RSTD"),
    ],
)
def test_abbreviated_descriptions_are_found_by_plain_words(
    foods: FoodTable, query: str, ndb_no: str, description: str
) -> None:
    assert foods.search(query, limit=1)[0].food.ndb_no == ndb_no
    food = foods.resolve(query)
    assert (food.ndb_no, food.description) == (ndb_no, description)


def test_users_may_type_the_usda_abbreviations_themselves(foods: FoodTable) -> None:
    for match in foods.search("egg whl ckd", limit=5):
        assert {"egg", "whole", "cooked"} <= set(match.matched_words)
        assert match.missing_words == ()


def test_foods_named_by_a_query_word_rank_before_foods_that_merely_contain_it(foods: FoodTable) -> None:
    descriptions = [m.food.description for m in foods.search("sardine")]
    assert descriptions[:2] == [SARDINES_IN_OIL, "SARDINE,PACIFIC,CND IN TOMATO SAU,DRND SOL W/BONE"]
    assert descriptions[2] == "FISH OIL,SARDINE"


def test_more_matched_words_rank_first(foods: FoodTable) -> None:
    matched = [len(m.matched_words) for m in foods.search("sardines canned in oil", limit=10)]
    assert matched == sorted(matched, reverse=True)


def test_search_respects_the_limit_and_is_stable(foods: FoodTable) -> None:
    first = [m.food.ndb_no for m in foods.search("milk", limit=7)]
    assert len(first) == 7
    assert first == [m.food.ndb_no for m in foods.search("milk", limit=7)]


def test_a_word_prefix_or_misspelling_still_finds_foods_but_is_marked_as_a_guess(foods: FoodTable) -> None:
    for query in ("sard", "sardnes"):
        best = foods.search(query)[0]
        assert best.food.description.startswith("SARDINE")
        assert best.guessed_words


@pytest.mark.parametrize("query", ["xyzzy", "of the", ""])
def test_a_query_with_no_usable_word_finds_nothing(foods: FoodTable, query: str) -> None:
    assert foods.search(query) == []


# --- resolving a name: the clear-winner rule -----------------------------------------------------


def test_an_ndb_number_resolves_directly(foods: FoodTable) -> None:
    assert foods.resolve("15088").description == SARDINES_IN_OIL
    assert foods.resolve(" 1129 ").ndb_no == "01129"


def test_the_only_food_holding_every_word_is_a_clear_winner(foods: FoodTable) -> None:
    assert foods.resolve("sardines canned in oil").ndb_no == "15088"


def test_among_several_full_matches_the_one_without_extra_words_wins(foods: FoodTable) -> None:
    # TEMPEH and TEMPEH,CKD both hold "tempeh"; only TEMPEH has nothing more.
    assert foods.resolve("tempeh").ndb_no == "16114"
    assert foods.resolve("cheese cheddar").description == "CHEESE,CHEDDAR"


def test_several_full_matches_without_a_plain_one_are_ambiguous(foods: FoodTable) -> None:
    with pytest.raises(InputError) as error:
        foods.resolve("beef liver", path="meals[0].items[0].food")
    (problem,) = error.value.problems
    assert problem.path == "meals[0].items[0].food"
    assert "matches 3 foods" in problem.message
    for label in ("13325 BEEF", "13326 BEEF", "13327 BEEF"):
        assert label in problem.message
    assert "LIVER CHEESE" not in problem.message  # partial matches are no answer to "which one?"
    assert problem.suggestion == "13325"


def test_a_common_word_lists_at_most_five_candidates(foods: FoodTable) -> None:
    with pytest.raises(InputError) as error:
        foods.resolve("egg")
    message = error.value.problems[0].message
    assert len(re.findall(r"\b\d{5} EGG", message)) == 5
    assert message.endswith("…")  # says there are more


def test_a_guessed_word_never_resolves_silently(foods: FoodTable) -> None:
    with pytest.raises(InputError) as error:
        foods.resolve("sard oil canned")
    problem = error.value.problems[0]
    assert "closest" in problem.message
    assert problem.suggestion == "15088"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("99999", "no food has NDB number 99999"),
        ("123456", "5 digits"),
        ("xyzzy", "no food matches"),
        ("of", "names no food"),
    ],
)
def test_names_that_match_nothing_are_input_errors(foods: FoodTable, text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        foods.resolve(text)
