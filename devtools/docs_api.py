"""The documentation site's HTTP API page, written from the engine's OpenAPI document at build time.

A MkDocs hook (`mkdocs.yml` → `hooks`): the page `api.md` is generated on every build, so it
cannot drift from the API the engine serves (the same document is at `/api/v1/openapi.json`, and
Swagger UI at `/api/docs`). One section per operation (its parameters, request body and answers)
and one per schema, each linked where it is used.
"""

from __future__ import annotations

from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from aetherlens_engine import __version__
from aetherlens_engine.api.limits import ApiLimits
from aetherlens_engine.api.openapi import build_spec

PAGE = "api.md"
_SCHEMA_REF = "#/components/schemas/"
_RESPONSE_REF = "#/components/responses/"


def schema_type(schema: dict[str, Any]) -> str:  # noqa: PLR0911 - one answer per kind of schema
    """Return a JSON SCHEMA of the document as Markdown: a link to a named schema, or its type."""
    if "$ref" in schema:
        name = str(schema["$ref"]).removeprefix(_SCHEMA_REF)
        return f"[{name}](#schema-{name.lower()})"
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            return " or ".join(schema_type(option) for option in schema[combinator])
    if "allOf" in schema:
        return " and ".join(schema_type(part) for part in schema["allOf"])
    if "enum" in schema:
        return "one of " + ", ".join(f"`{value}`" for value in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {schema_type(schema.get('items', {}))}"
    if isinstance(kind, list):
        return " or ".join(f"`{part}`" for part in kind)
    return f"`{kind}`" + (f" ({schema['format']})" if "format" in schema else "")


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _operation(method: str, path: str, operation: dict[str, Any], spec: dict[str, Any]) -> str:
    lines = [
        f"### `{method.upper()} {path}` {{#{operation['operationId'].lower()}}}",
        "",
        operation.get("summary", ""),
        "",
    ]
    if description := operation.get("description"):
        lines += [description, ""]
    if parameters := operation.get("parameters"):
        lines += [
            "| parameter | in | required | type | meaning |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| `{p['name']}` | {p['in']} | {'yes' if p.get('required') else 'no'} | "
            f"{_cell(schema_type(p.get('schema', {})))} | {_cell(p.get('description', ''))} |"
            for p in parameters
        ]
        lines.append("")
    if body := operation.get("requestBody"):
        kinds = ", ".join(
            f"`{media}`: {schema_type(content.get('schema', {}))}"
            for media, content in body.get("content", {}).items()
        )
        lines += [f"Request body{' (required)' if body.get('required') else ''}: {kinds}.", ""]
    lines += ["| answer | meaning | body |", "| --- | --- | --- |"]
    for status, given in operation.get("responses", {}).items():
        answer = (
            spec["components"]["responses"][given["$ref"].removeprefix(_RESPONSE_REF)]
            if "$ref" in given
            else given
        )
        bodies = ", ".join(
            schema_type(content["schema"])
            for content in answer.get("content", {}).values()
            if "schema" in content
        )
        lines.append(f"| {status} | {_cell(answer.get('description', ''))} | {_cell(bodies)} |")
    return "\n".join([*lines, ""])


def _schema(name: str, schema: dict[str, Any]) -> str:
    lines = [f"### {name} {{#schema-{name.lower()}}}", ""]
    if description := schema.get("description"):
        lines += [description, ""]
    if properties := schema.get("properties"):
        required = set(schema.get("required", []))
        lines += ["| field | type | required | meaning |", "| --- | --- | --- | --- |"]
        lines += [
            f"| `{field}` | {_cell(schema_type(value))} | {'yes' if field in required else 'no'} | "
            f"{_cell(value.get('description', ''))} |"
            for field, value in properties.items()
        ]
    else:
        lines.append(f"Type: {schema_type(schema)}.")
    return "\n".join([*lines, ""])


def api_page(spec: dict[str, Any]) -> str:
    """Return the Markdown of the API page for the OpenAPI document SPEC."""
    info = spec["info"]
    parts = [
        "# HTTP API",
        "",
        f"{info['title']} {info['version']}, OpenAPI {spec['openapi']}.",
        info.get("description", ""),
        "",
        "Written from the engine's OpenAPI document when the site is built; a running engine",
        "serves the same document at `/api/v1/openapi.json` and Swagger UI at `/api/docs`.",
        "",
        "## Operations",
        "",
    ]
    for path, methods in spec["paths"].items():
        parts += [_operation(method, path, op, spec) for method, op in methods.items()]
    parts += ["## Schemas", ""]
    parts += [_schema(name, schema) for name, schema in spec["components"]["schemas"].items()]
    return "\n".join(parts)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated API page to the site's files (MkDocs hook)."""
    spec = build_spec(__version__, ApiLimits().max_batch_readings)
    files.append(File.generated(config, PAGE, content=api_page(spec)))
    return files
