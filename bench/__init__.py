"""Benchmarks: classification, token cost, latency and concurrency (`make bench`, or `python -m bench`)."""
