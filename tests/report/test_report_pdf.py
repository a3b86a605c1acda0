"""The PDF: it is a PDF, its text carries the status, and rendering it can never touch the network."""

import json
import shutil
import socket
import subprocess
from datetime import date
from pathlib import Path

import pytest

import b12ms
from b12ms.report.render import TEMPLATES_DIR, RefusedURLError, local_only_url_fetcher, render_report_pdf

pytest.importorskip("weasyprint", reason="the PDF needs the 'report' extra (weasyprint)")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GENERATED = date(2026, 11, 2)


@pytest.fixture(scope="module")
def kb():
    return b12ms.load_knowledge()


def _example(kb, name):
    snapshot = b12ms.parse_snapshot(json.loads((EXAMPLES / name).read_text()))
    return snapshot, b12ms.assess(snapshot, kb, snapshot.as_of)


def _pdf_text(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils); cannot read the PDF's text")
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(out.decode("utf-8").split())


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"the report tried to open a network connection: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_urgent_pdf_starts_with_the_banner_and_carries_status_and_disclaimer(kb, no_network):
    snapshot, assessment = _example(kb, "suspected-ms-nitrous-oxide.json")
    pdf = render_report_pdf(snapshot, assessment, kb, generated_on=GENERATED)
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    banner = text.find(kb.urgency_wording["urgent"].headline.upper())
    headline = text.find(kb.status_wording[assessment.status].headline)
    assert 0 <= banner < headline
    assert "it does not diagnose or prescribe" in text
    assert assessment.versions.knowledge_sha256 in text


def test_pdf_text_has_the_status_headline_and_results(kb, no_network):
    snapshot, assessment = _example(kb, "ms-vegan-metformin.json")
    pdf = render_report_pdf(snapshot, assessment, kb, generated_on=GENERATED)
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    assert kb.status_wording[assessment.status].headline in text
    assert "177.1 pmol/L" in text
    assert "Page 1 of" in text


def test_fetcher_refuses_http(no_network):
    fetcher = local_only_url_fetcher()
    for url in ("http://example.org/logo.png", "https://fonts.example/x.woff2", "//cdn.example/x.css"):
        with pytest.raises((RefusedURLError, ValueError)):
            fetcher.fetch(url)


def test_fetcher_refuses_files_outside_the_templates_folder():
    with pytest.raises(RefusedURLError):
        local_only_url_fetcher().fetch("file:///etc/hostname")


def test_fetcher_reads_the_report_stylesheet_and_data_urls():
    fetcher = local_only_url_fetcher()
    response = fetcher.fetch((TEMPLATES_DIR / "report.css").as_uri())
    try:
        assert b"@page" in response.read()
    finally:
        response.close()
    data = fetcher.fetch("data:text/plain;base64,b2s=")
    assert data.read() == b"ok"
