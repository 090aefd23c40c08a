"""The results format: one JSON file per run, append-only (see docs/results-format.md)."""
