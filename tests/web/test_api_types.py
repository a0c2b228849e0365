"""The page's API types (frontend/src/lib/apiTypes.js) are those of the current document."""

from __future__ import annotations

from devtools.api_types import TYPES_FILE, js_type, render


def test_the_committed_types_are_current() -> None:
    assert TYPES_FILE.read_text(encoding="utf-8") == render(), (
        "frontend/src/lib/apiTypes.js is stale: run "
        "`scripts/devenv run python -m devtools.api_types` and commit it"
    )


def test_schemas_become_jsdoc_types() -> None:
    text = render()
    assert "@typedef {Object} Summary" in text
    assert "@property {Currency} currency" in text or "@property {string} currency" in text
    assert "@property {Summary} getSummary" in text
    requests = text.split("@typedef {Object} Requests")[1]
    assert "@property {CompareRequest} compareTariffs" in requests
    assert js_type({"anyOf": [{"type": "string"}, {"type": "null"}]}) == "string|null"
    assert js_type({"type": "array", "items": {"$ref": "#/components/schemas/Budget"}}) == (
        "Array<Budget>"
    )
    assert js_type({"enum": ["hour", "day"]}) == "'hour'|'day'"
