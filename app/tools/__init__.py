"""Tools the engines run."""
