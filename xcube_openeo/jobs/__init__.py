"""Batch jobs: records and logs in the store, runs on the dask cluster, signed results."""
