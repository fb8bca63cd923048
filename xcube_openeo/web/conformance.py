"""Conformance classes, declared by the code that implements them.

``GET /conformance`` and ``conformsTo`` in ``GET /`` list exactly what was declared.
"""

OPENEO_CORE = "https://api.openeo.org/1.2.0"

_CLASSES: list[str] = [OPENEO_CORE]


def declare_conformance(*uris: str) -> None:
    for uri in uris:
        if uri not in _CLASSES:
            _CLASSES.append(uri)


def conformance_classes() -> list[str]:
    return list(_CLASSES)
