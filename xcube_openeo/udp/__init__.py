"""User-defined processes (``/process_graphs``): stored per user, callable as namespace ``user``."""
