"""Schema migrations, applied in the order of their number (``vNNNN_<name>.py``).

A migration is never edited once committed: change the schema with a new one.  Each
defines its tables here with explicit columns (not imported from the code that
queries them), so that it keeps meaning what it meant when it was written.
"""
