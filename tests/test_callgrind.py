import gzip
import os
from pathlib import Path

import pytest

from perfpages.runner.callgrind import count_instructions, valgrind_path
from perfpages.runner.executor import Invocation, SubprocessExecutor
from tests.conftest import PYTHON

pytestmark = pytest.mark.skipif(valgrind_path() is None, reason="valgrind is not installed")


def count(code: str, keep: Path | None = None):
    invocation = Invocation((PYTHON, "-c", code), Path("."), dict(os.environ), 30)
    return count_instructions(SubprocessExecutor(), invocation, keep, "demo.head")


@pytest.mark.slow
def test_same_program_same_count_and_more_work_more_instructions(tmp_path):
    small = count("sum(range(1000))", tmp_path / "profiles")
    again = count("sum(range(1000))")
    large = count("sum(range(2_000_000))")
    assert small.instructions == again.instructions
    assert large.instructions > small.instructions * 1.5
    (profile,) = small.profiles
    assert profile.name == "demo.head.callgrind.gz"
    assert f"summary: {small.instructions}" in gzip.decompress(profile.read_bytes()).decode()


@pytest.mark.slow
def test_a_crash_under_callgrind_is_a_failure_not_a_count():
    crashed = count("raise SystemExit(2)")
    assert crashed.instructions is None and crashed.error == "exited with status 2"
