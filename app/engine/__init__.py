"""Investigation engines: HolmesGPT (LLM) and runbooks (no LLM)."""
