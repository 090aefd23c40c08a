"""Read custom metric values from a command's stdout or from a file it wrote."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from perfpages.importers import k6, wrk
from perfpages.importers.base import FormatError
from perfpages.model import MetricSpec


@dataclass(frozen=True)
class Extracted:
    value: float | None
    error: str = ""


def extract(metric: MetricSpec, stdout: str, cwd: Path) -> Extracted:
    source = "stdout"
    text = stdout
    if metric.file:
        path = cwd / metric.file
        source = str(metric.file)
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return Extracted(None, f"metric {metric.name}: cannot read {metric.file}: {exc.strerror}")
    found = _by_pointer(metric.json_pointer, text) if metric.json_pointer else _by_regex(metric.regex or "", text)
    if found.error:
        return Extracted(None, f"metric {metric.name}: {found.error} in {source}")
    return found


def reported(fmt: str, stdout: str, cwd: Path, output_file: str | None) -> dict[str, float] | Extracted:
    """Every metric in a load generator's report (wrk's text, k6's summary JSON), parsed with the
    importers' own parsers; an Extracted with the error when the report is missing or malformed."""
    text = stdout
    if output_file:
        try:
            text = (cwd / output_file).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return Extracted(None, f"cannot read the {fmt} report {output_file}: {exc.strerror}")
    try:
        if fmt == "wrk":
            report = wrk.text_report(text, "report")
        else:
            document = _last_json(text)
            if not isinstance(document, dict) or not isinstance(document.get("metrics"), dict):
                return Extracted(None, "no k6 summary JSON (with `metrics`) found; use --summary-export")
            report = k6.summary_report(document, "report")
    except FormatError as exc:
        return Extracted(None, f"{fmt} report: {exc.place}: {exc.message}")
    if report.failure:  # the load generator's own failure signal: the run measured nothing
        return Extracted(None, f"{fmt} report: {report.failure}")
    return {p.metric: p.samples[0] for p in report.points}


def _by_pointer(pointer: str, text: str) -> Extracted:
    document = _last_json(text)
    if document is None:
        return Extracted(None, "no JSON object found")
    value = document
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")  # RFC 6901 escapes
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return Extracted(None, f"JSON pointer {pointer} matches nothing")
    return _number(value, f"JSON pointer {pointer}")


def _last_json(text: str):
    """The whole text as JSON, or else the last line that parses (programs often log first)."""
    for candidate in [text, *reversed(text.strip().splitlines())]:
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def _by_regex(pattern: str, text: str) -> Extracted:
    match = re.search(pattern, text, re.MULTILINE)
    if match is None:
        return Extracted(None, f"regex {pattern!r} matches nothing")
    return _number(match.group(1), f"regex {pattern!r}")


def _number(value, what: str) -> Extracted:
    if isinstance(value, bool):
        return Extracted(None, f"{what} gives a boolean, not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return Extracted(None, f"{what} gives {value!r}, not a number")
    if not math.isfinite(number):
        return Extracted(None, f"{what} gives {value!r}; only finite numbers are recorded")
    return Extracted(number)
