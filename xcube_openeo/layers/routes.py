P = None
