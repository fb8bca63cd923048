#!/usr/bin/env python
"""Compare our process metadata with the official openEO process definitions.

    python scripts/check_specs.py diff [ID ...]   # interface differences, exit 1 if any
    python scripts/check_specs.py skeleton ID     # official interface without prose

``diff`` helps when moving to a newer openeo-processes release: it lists, per process,
every interface path (parameters, schemas, returns, ...) that differs.  ``skeleton``
prints the starting point for a new spec file: all interface facts, every prose field
left empty to be written by hand in our own words.  The official definitions are read
from ``$XCUBE_OPENEO_SHARED/openeo-processes`` (default: ``<repo>/../shared``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SPECS_DIR = REPO / "xcube_openeo" / "processes" / "specs"
PROSE_KEYS = {"description", "summary", "title", "message", "examples", "links", "process_graph"}


def official_dir() -> Path:
    shared = Path(os.environ.get("XCUBE_OPENEO_SHARED", REPO / ".." / "shared"))
    return shared / "openeo-processes"


def load_official(process_id: str) -> dict[str, Any]:
    base = official_dir()
    for path in (base / f"{process_id}.json", base / "proposals" / f"{process_id}.json"):
        if path.exists():
            return json.loads(path.read_text("utf-8"))
    raise SystemExit(f"no official definition for {process_id!r} in {base}")


def interface(doc: Any, under_properties: bool = False) -> Any:
    """``doc`` without prose; names of JSON-schema ``properties`` are kept."""
    if isinstance(doc, dict):
        return {
            key: interface(value, key == "properties")
            for key, value in doc.items()
            if under_properties or key not in PROSE_KEYS
        }
    if isinstance(doc, list):
        return [interface(item) for item in doc]
    return doc


def differences(ours: Any, theirs: Any, path: str = "") -> list[str]:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        found = []
        for key in sorted(set(ours) | set(theirs)):
            if key not in theirs:
                found.append(f"{path}/{key}: only in ours")
            elif key not in ours:
                found.append(f"{path}/{key}: missing (official: {json.dumps(theirs[key])[:80]})")
            else:
                found.extend(differences(ours[key], theirs[key], f"{path}/{key}"))
        return found
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        return [
            d
            for i, pair in enumerate(zip(ours, theirs, strict=True))
            for d in differences(*pair, f"{path}/{i}")
        ]
    if ours != theirs:
        return [
            f"{path or '/'}: ours {json.dumps(ours)[:80]} != official {json.dumps(theirs)[:80]}"
        ]
    return []


def skeleton(doc: Any, under_properties: bool = False) -> Any:
    """The interface of ``doc`` with required prose fields present but empty."""
    if isinstance(doc, dict):
        out = {}
        for key, value in doc.items():
            if under_properties or key not in PROSE_KEYS:
                out[key] = skeleton(value, key == "properties")
            elif key in ("summary", "description", "message"):
                out[key] = ""
        return out
    if isinstance(doc, list):
        return [skeleton(item) for item in doc]
    return doc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    diff_cmd = sub.add_parser("diff", help="interface differences to the official definitions")
    diff_cmd.add_argument("ids", nargs="*", help="process ids (default: all our specs)")
    skel_cmd = sub.add_parser("skeleton", help="official interface of a process without prose")
    skel_cmd.add_argument("id")
    args = parser.parse_args()

    if args.command == "skeleton":
        print(json.dumps(skeleton(load_official(args.id)), indent=2, ensure_ascii=False))
        return 0
    ids = args.ids or sorted(p.stem for p in SPECS_DIR.glob("*.json"))
    failed = 0
    for process_id in ids:
        ours = json.loads((SPECS_DIR / f"{process_id}.json").read_text("utf-8"))
        found = differences(interface(ours), interface(load_official(process_id)))
        if found:
            failed += 1
            print(process_id)
            print("\n".join(f"  {line}" for line in found))
    print(f"{len(ids) - failed} of {len(ids)} specs match the official interface")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
