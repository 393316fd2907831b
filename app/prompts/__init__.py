"""Prompt files: system.md and focused/<problem_type>.md."""
