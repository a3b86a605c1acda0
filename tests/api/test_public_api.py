"""The public API is small and pinned: adding or removing a name is a deliberate change."""

import b12ms


def test_public_names_are_pinned():
    assert sorted(b12ms.__all__) == [
        "Assessment",
        "B12msError",
        "ConfigError",
        "InputError",
        "Knowledge",
        "KnowledgeError",
        "PatientSnapshot",
        "Problem",
        "__version__",
        "assess",
        "load_knowledge",
        "parse_snapshot",
    ]


def test_every_public_name_resolves():
    for name in b12ms.__all__:
        assert getattr(b12ms, name) is not None


def test_importing_b12ms_does_not_import_pydantic_or_pint():
    import subprocess
    import sys

    code = "import sys, b12ms; print('pydantic' in sys.modules, 'pint' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_public_api_assesses_a_snapshot():
    from datetime import date

    kb = b12ms.load_knowledge()
    snapshot = b12ms.parse_snapshot(
        {"labs": [{"analyte": "total_b12", "value": 150, "unit": "ng/L", "date": "2026-10-01"}]}
    )
    result = b12ms.assess(snapshot, kb, date(2026, 11, 1))
    assert result.status == "deficiency_likely"
    assert result.versions.knowledge == kb.version
