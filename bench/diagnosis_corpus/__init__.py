"""The diagnosis corpus: snapshot clusters built from short definitions (see clusters.py)."""
