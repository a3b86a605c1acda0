"""History: save a result, see it per person with a chart per analyte, export and import as JSON."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from b12ms.store import Store
from b12ms.web.pages import PagesContext
from b12ms.web.pages.charts import inline_svg

from .support import REALISTIC, answers_field, csrf_token, post_form, text_of

SECOND_VISIT = {
    **{k: v for k, v in REALISTIC.items() if not k.startswith("labs-1-")},
    "labs-0-value": "420",
    "labs-0-date": "2026-10-28",
}


def save(client: TestClient, form: dict, **extra: str) -> object:  # type: ignore[type-arg]
    result = post_form(client, "/assess", form).text
    return post_form(client, "/history/save", {"answers": answers_field(result), **extra})


def test_saving_a_result_for_someone_new_adds_them_and_shows_their_page(
    pages: tuple[TestClient, PagesContext],
) -> None:
    client, context = pages
    response = save(client, REALISTIC, person_id="new", new_person="Mum")
    assert response.status_code == 200  # type: ignore[attr-defined]
    page = response.text  # type: ignore[attr-defined]
    assert "The result was saved." in page
    [mum] = context.store().list_people()
    assert mum.display_name == "Mum"
    assert len(context.store().list_assessments(mum.id)) == 1


def test_a_second_result_goes_to_the_same_person_and_the_chart_has_both(
    pages: tuple[TestClient, PagesContext],
) -> None:
    client, context = pages
    save(client, REALISTIC, person_id="new", new_person="Mum")
    mum = context.store().list_people()[0]
    page = save(client, SECOND_VISIT, person_id=str(mum.id)).text  # type: ignore[attr-defined]
    assert len(context.store().lab_series(mum.id, "total_b12")) == 2
    chart = re.search(r'<svg role="img" aria-labelledby="chart-total_b12-title".*?</svg>', page, flags=re.S)
    assert chart is not None
    assert "2 results" in chart.group(0)
    assert 'id="chart-total_b12-band-low"' in chart.group(0)
    assert 'id="chart-mma-band-low"' not in page  # MMA has no NICE bands, and ids never clash


def test_the_chart_svg_needs_no_inline_style_for_the_strict_csp(pages: tuple[TestClient, PagesContext]) -> None:
    client, _ = pages
    page = save(client, REALISTIC, person_id="new", new_person="Dad").text  # type: ignore[attr-defined]
    assert "<svg" in page
    assert " style=" not in page
    assert "<style" not in page
    assert 'fill="#f4c7c3"' in page  # the NICE "low" band, as a presentation attribute


def test_treatment_dates_are_marked_and_listed(pages: tuple[TestClient, PagesContext]) -> None:
    client, _ = pages
    form = {
        **REALISTIC,
        "supplements-0-name": "hydroxocobalamin",
        "supplements-0-route": "intramuscular",
        "supplements-0-started": "2026-10-25",
    }
    page = save(client, form, person_id="new", new_person="Sam").text  # type: ignore[attr-defined]
    assert "2026-10-25: B12 injections started" in text_of(page)
    assert 'id="chart-total_b12-treatment-0"' in page


def test_a_saved_result_reopens_and_its_pdf_carries_the_history(pages: tuple[TestClient, PagesContext]) -> None:
    client, context = pages
    save(client, REALISTIC, person_id="new", new_person="Mum")
    saved = context.store().list_assessments(context.store().list_people()[0].id)[0]
    page = client.get(f"/history/assessments/{saved.id}").text
    assert "B12 deficiency is likely" in page
    response = post_form(client, f"/history/assessments/{saved.id}/pdf", {})
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_adding_a_person_twice_is_shown_beside_the_name(pages: tuple[TestClient, PagesContext]) -> None:
    client, _ = pages
    post_form(client, "/history/people", {"display_name": "Mum"}, token_from="/history")
    response = post_form(client, "/history/people", {"display_name": "Mum"}, token_from="/history")
    assert response.status_code == 422
    assert "already used" in response.text
    assert 'value="Mum"' in response.text


def test_export_then_import_into_another_store_gives_the_same_history(
    pages: tuple[TestClient, PagesContext], tmp_path: object
) -> None:
    client, context = pages
    save(client, REALISTIC, person_id="new", new_person="Mum")
    exported = client.get("/history/export.json")
    assert exported.headers["content-disposition"].startswith('attachment; filename="b12ms-history-')
    document = exported.json()

    other = TestClient(client.app)  # a fresh browser; same app, so import into a fresh store instead
    store: Store = context.store()
    store.delete_person(store.list_people()[0].id)
    token = csrf_token(other.get("/history").text)
    files = {"file": ("history.json", json.dumps(document).encode(), "application/json")}
    response = other.post("/history/import", data={"csrf_token": token}, files=files)
    assert response.status_code == 200
    assert "Imported" in text_of(response.text)
    assert [p.display_name for p in store.list_people()] == ["Mum"]
    assert store.export_json()["people"] == document["people"]


def test_importing_something_that_is_not_a_history_is_shown_beside_the_file_box(
    pages: tuple[TestClient, PagesContext],
) -> None:
    client, _ = pages
    token = csrf_token(client.get("/history").text)
    response = client.post(
        "/history/import", data={"csrf_token": token}, files={"file": ("x.json", b"{not json", "application/json")}
    )
    assert response.status_code == 422
    assert 'id="file-error"' in response.text


def test_an_unknown_person_or_result_is_a_404_page(client: TestClient) -> None:
    assert client.get("/history/people/999").status_code == 404
    assert client.get("/history/people/abc").status_code == 404
    assert client.get("/history/assessments/999").status_code == 404


def test_inline_svg_prefixes_ids_and_references() -> None:
    svg = (
        '<?xml version="1.0"?><svg width="10pt" height="5pt" viewBox="0 0 10 5"><defs><style>*{a:b}</style>'
        '<clipPath id="p1"><rect/></clipPath></defs><path id="band-low" style="fill: #fff; stroke: none; '
        'behavior: url(x)" clip-path="url(#p1)"/><use xlink:href="#p1"/></svg>'
    )
    out = inline_svg(svg, "c", "A chart")
    assert out.startswith('<svg role="img" aria-labelledby="c-title" focusable="false" viewBox="0 0 10 5">')
    assert '<title id="c-title">A chart</title>' in out
    assert 'id="c-band-low" fill="#fff" stroke="none" clip-path="url(#c-p1)"' in out
    assert 'xlink:href="#c-p1"' in out
    assert "behavior" not in out and "<style" not in out and "width=" not in out
