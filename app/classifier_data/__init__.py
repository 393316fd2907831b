"""Labelled questions: train.jsonl (few-shot, rules) and holdout.jsonl (accuracy benchmark)."""
