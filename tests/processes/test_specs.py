"""Our process metadata (``xcube_openeo/processes/specs``) against the official definitions.

Interface facts (ids, parameters and their order, optional flags, defaults, schemas,
returns, categories, exception names, experimental/deprecated flags) must equal those of
openeo-processes 2.0.0-rc.2; the prose (summaries, descriptions, messages, titles) must
be our own.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("XCUBE_OPENEO_SHARED", REPO / ".." / "shared"))
OFFICIAL = SHARED / "openeo-processes"
# Located by path so that these checks do not depend on importing the implementations.
SPECS_DIR = REPO / "xcube_openeo" / "processes" / "specs"

#: Experimental processes from ``proposals/`` that we serve besides the core ones.
PROPOSALS = (
    "nan cummax cummin cumproduct cumsum is_infinite date_difference text_find "
    "array_create_labeled array_find_label array_modify reduce_spatial flatten_dimensions "
    "unflatten_dimension filter_vector vector_buffer vector_reproject aggregate_spatial_window "
    "load_geojson"
).split()
#: Core processes we do not serve (UDFs come later).
EXCLUDED_CORE = {"run_udf"}

#: Keys holding prose; everything else in a process document is interface.
PROSE_KEYS = {"description", "summary", "title", "message", "examples", "links", "process_graph"}


def test_official_definitions_are_there():
    # The comparison below must never pass by finding nothing to compare with.
    assert len(list(OFFICIAL.glob("*.json"))) > 100, f"no official definitions in {OFFICIAL}"


def expected_ids() -> set[str]:
    core = {p.stem for p in OFFICIAL.glob("*.json")} - EXCLUDED_CORE
    return core | set(PROPOSALS)


def official(process_id: str) -> dict[str, Any]:
    path = OFFICIAL / f"{process_id}.json"
    if not path.exists():
        path = OFFICIAL / "proposals" / f"{process_id}.json"
    return json.loads(path.read_text("utf-8"))


def ours(process_id: str) -> dict[str, Any]:
    return json.loads((SPECS_DIR / f"{process_id}.json").read_text("utf-8"))


def our_ids() -> list[str]:
    return sorted(p.stem for p in SPECS_DIR.glob("*.json"))


def interface(doc: Any, under_properties: bool = False) -> Any:
    """``doc`` without prose; names of JSON-schema ``properties`` are kept as they are."""
    if isinstance(doc, dict):
        return {
            key: interface(value, under_properties=key == "properties")
            for key, value in doc.items()
            if under_properties or key not in PROSE_KEYS
        }
    if isinstance(doc, list):
        return [interface(item) for item in doc]
    return doc


def prose_texts(doc: Any, under_properties: bool = False) -> list[str]:
    """All prose strings (summaries, descriptions, titles, messages) anywhere in ``doc``."""
    texts: list[str] = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key in ("examples", "links", "process_graph") and not under_properties:
                continue
            if key in PROSE_KEYS and isinstance(value, str) and not under_properties:
                texts.append(value)
            else:
                texts.extend(prose_texts(value, under_properties=key == "properties"))
    elif isinstance(doc, list):
        for item in doc:
            texts.extend(prose_texts(item))
    return texts


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[`*_\"']", "", text).lower().split())


def long_sentences(text: str, min_words: int = 8) -> list[str]:
    sentences = re.split(r"(?<=[.!?:;])\s+|\n+", text)
    return [normalise(s) for s in sentences if len(s.split()) >= min_words]


@cache
def process_schema_validator() -> OAS30Validator:
    api = yaml.safe_load((SHARED / "openeo-api" / "openapi.yaml").read_text("utf-8"))
    # The Generic / Process Graph / Datacube alternatives of a data-type schema all accept
    # any object, so its ``oneOf`` can never be satisfied by exactly one: drop it and keep
    # the JSON-schema checks (types, keywords) that come with ``allOf``.
    del api["components"]["schemas"]["process_json_schema"]["oneOf"]
    resource = DRAFT4.create_resource(api)
    registry: Registry = Registry().with_resource("openapi.yaml", resource)
    schema = {"$ref": "openapi.yaml#/components/schemas/process"}
    return OAS30Validator(schema, registry=registry)


def test_exactly_the_served_processes_have_specs():
    assert set(our_ids()) == expected_ids()
    assert len(our_ids()) == 136  # 117 core (all but run_udf) + 19 proposals


def test_registry_loads_every_spec():
    from xcube_openeo.engine.registry import ProcessRegistry

    assert set(ProcessRegistry().specs) == expected_ids()


def test_every_implemented_process_has_a_spec():
    from xcube_openeo.processes import REGISTRY

    without_spec = sorted(pid for pid in REGISTRY.impls if pid not in REGISTRY.specs)
    assert without_spec == []
    # Listed processes are exactly those with both an implementation and a spec.
    assert set(REGISTRY) == set(REGISTRY.impls) & set(REGISTRY.specs)


@pytest.mark.parametrize("process_id", our_ids())
def test_interface_matches_official(process_id: str):
    spec = ours(process_id)
    assert spec["id"] == process_id
    assert interface(spec) == interface(official(process_id))
    # Dict equality ignores key order; parameter order matters, so check it explicitly.
    assert [p["name"] for p in spec["parameters"]] == [
        p["name"] for p in official(process_id)["parameters"]
    ]


def check_parameters(parameters: list[dict[str, Any]], where: str) -> None:
    for param in parameters:
        assert {"name", "description", "schema"} <= set(param), f"{where}: {param.get('name')}"
        assert param["description"].strip(), f"{where}: {param['name']} has no description"
        for callback in process_graph_schemas(param["schema"]):
            check_parameters(callback.get("parameters", []), f"{where}.{param['name']}")


def process_graph_schemas(schema: Any) -> list[dict[str, Any]]:
    """Every process-graph schema nested anywhere in ``schema`` (callbacks)."""
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        if schema.get("subtype") == "process-graph":
            found.append(schema)
        for key, value in schema.items():
            if key not in ("parameters", "default", "enum", "const"):
                found.extend(process_graph_schemas(value))
    elif isinstance(schema, list):
        for item in schema:
            found.extend(process_graph_schemas(item))
    return found


@pytest.mark.parametrize("process_id", our_ids())
def test_spec_is_a_complete_process_document(process_id: str):
    spec = ours(process_id)
    assert "process_graph" not in spec and "examples" not in spec
    for key in ("summary", "description"):
        assert isinstance(spec[key], str) and spec[key].strip()
    assert spec["categories"]
    check_parameters(spec["parameters"], process_id)
    assert spec["returns"]["description"].strip() and "schema" in spec["returns"]
    for name, exception in spec.get("exceptions", {}).items():
        assert exception["message"].strip(), name
    errors = sorted(process_schema_validator().iter_errors(spec), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


@pytest.mark.parametrize("process_id", our_ids())
def test_prose_is_our_own(process_id: str):
    our_text = normalise(" ".join(prose_texts(ours(process_id))))
    copied = [
        sentence
        for text in prose_texts(official(process_id))
        for sentence in long_sentences(text)
        if sentence in our_text
    ]
    assert copied == []
    # Short summaries may coincide with a name ("Cosine"); longer ones are ours.
    summary = official(process_id)["summary"]
    if len(summary.split()) >= 4:
        assert normalise(ours(process_id)["summary"]) != normalise(summary)


def test_prose_check_detects_copies():
    doc = official("absolute")
    copy = dict(ours("absolute"), description=doc["description"])
    our_text = normalise(" ".join(prose_texts(copy)))
    assert any(s in our_text for t in prose_texts(doc) for s in long_sentences(t))


def test_process_schema_validation_detects_broken_documents():
    spec = ours("absolute")
    assert not list(process_schema_validator().iter_errors(spec))
    broken = json.loads(json.dumps(spec))
    del broken["parameters"][0]["description"]
    broken["returns"]["schema"]["type"] = "decimal"
    assert len(list(process_schema_validator().iter_errors(broken))) >= 2
