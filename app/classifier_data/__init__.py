"""Labelled questions: train (few-shot, rules), dev (rule checks), test (unseen; accuracy benchmark)."""
