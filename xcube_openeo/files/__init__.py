"""User files (``/files``): per-user folders on a local disk or object storage (fsspec)."""
