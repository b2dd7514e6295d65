"""One spider per site; each is a name and a site key, the rest is in base.py and the site module."""
