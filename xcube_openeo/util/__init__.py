"""Small helpers at the bottom of the package: they import nothing from xcube_openeo,
so that every layer, the engine included, may use them."""
