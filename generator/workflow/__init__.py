"""What perfpages does inside GitHub Actions: the bare-metal gate and the publish checks.

The decisions are plain functions over GitHub's event payloads and a small `GitHub` interface
(`github.py`), so tests drive them with recorded payloads and a fake API.
"""
