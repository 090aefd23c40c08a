"""Profile diffs: callgrind parsing, name normalisation, and a real diff of two builds of a C program."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from perfpages.analysis.profiles import (
    FunctionKey,
    diff_profiles,
    diff_text,
    normalise_file,
    normalise_function,
    self_costs,
)

SYNTHETIC = """\
# callgrind format
version: 1
positions: line
events: Ir Dr
summary: 1000

ob=(1) /usr/lib/libc.so.6
fl=(1) ???
fn=(1) memcpy
0 100 7

ob=(2) /tmp/perfpages-wt-abc123/0123456789ab/target/release/app
fl=(2) /tmp/perfpages-wt-abc123/0123456789ab/src/main.rs
fn=(2) app::main::h0123456789abcdef
3 50
+2 25
cfn=(3) _ZN3app4work17h0123456789abcdefE.llvm.1234
calls=1 10
5 800
fi=(3) /rustc/library/core/src/ptr.rs
9 5
fn=(3)
10 800
"""


def test_self_costs_follow_compressed_names_and_skip_call_costs():
    costs = self_costs(SYNTHETIC.splitlines())
    assert costs == Counter(
        {
            FunctionKey("memcpy", "libc.so.6"): 100,
            # 50 + 25 + 5 (inlined from ptr.rs, still main's own); the 800 after calls= is work's
            FunctionKey("app::main", "src/main.rs"): 80,
            FunctionKey("_ZN3app4workE", "src/main.rs"): 800,
        }
    )


def test_rust_hashes_and_llvm_suffixes_do_not_make_a_pair():
    before = self_costs(SYNTHETIC.splitlines())
    rebuilt = (
        SYNTHETIC.replace("0123456789abcdef", "fedcba9876543210")
        .replace("llvm.1234", "llvm.98765")
        .replace("perfpages-wt-abc123/0123456789ab", "perfpages-wt-zz9/ba9876543210")
    )
    assert diff_profiles(before, self_costs(rebuilt.splitlines())).rows == ()


def test_normalisation_rules():
    assert normalise_function("_ZN4core3fmt5write17h3e4f5a6b7c8d9e0fE") == "_ZN4core3fmt5writeE"
    assert normalise_function("core::fmt::write::h3e4f5a6b7c8d9e0f") == "core::fmt::write"
    assert normalise_function("finish_grow.llvm.2614") == "finish_grow"
    assert normalise_file("/tmp/perfpages-wt-k2j/0123456789ab/src/lib.c") == "src/lib.c"
    assert normalise_file("/home/ci/target/release/build/ring-0123456789abcdef/out/x.c") == (
        "/home/ci/target/release/build/ring/out/x.c"
    )
    assert normalise_file("/usr/include/stdio.h") == "/usr/include/stdio.h"


def test_diff_sorts_by_change_and_marks_new_functions():
    a = Counter({FunctionKey("f", "a.c"): 100, FunctionKey("g", "a.c"): 1000, FunctionKey("gone", "a.c"): 5})
    b = Counter({FunctionKey("f", "a.c"): 100, FunctionKey("g", "a.c"): 700, FunctionKey("h", "a.c"): 400})
    diff = diff_profiles(a, b)
    assert [(r.key.function, r.delta) for r in diff.rows] == [("h", 400), ("g", -300), ("gone", -5)]
    assert diff.rows[0].relative is None and diff.rows[1].relative == pytest.approx(-0.3)
    text = diff_text(diff, "demo")
    assert "+400\t0\t400\tnew\th\ta.c" in text and diff.delta == 95


PROGRAM = """\
#include <stdio.h>
static volatile unsigned long sink;
__attribute__((noinline)) void work_alpha(long n) { for (long i = 0; i < n * ALPHA; i++) sink += i * 3; }
__attribute__((noinline)) void work_beta(long n) { for (long i = 0; i < n; i++) sink ^= i; }
int main(void) { work_alpha(50000); work_beta(100000); printf("%lu\\n", sink); return 0; }
"""


def _profile(checkout: Path, alpha: int) -> Counter:
    """Build the program inside a worktree-like folder and profile it with callgrind."""
    checkout.mkdir(parents=True)
    (checkout / "bench.c").write_text(PROGRAM)
    subprocess.run(["cc", "-O1", "-g", f"-DALPHA={alpha}", "-o", "bench", "bench.c"], cwd=checkout, check=True)
    out = checkout / "callgrind.out"
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "./bench"],
        cwd=checkout,
        check=True,
        capture_output=True,
    )
    with out.open() as handle:
        return self_costs(handle)


@pytest.mark.skipif(not (shutil.which("cc") and shutil.which("valgrind")), reason="needs a C compiler and valgrind")
def test_real_callgrind_outputs_differ_in_exactly_the_changed_function(tmp_path):
    # Same path length on both sides, as two perfpages worktrees have.
    base = _profile(tmp_path / "perfpages-wt-aaaa1111" / "0123456789ab", alpha=1)
    head = _profile(tmp_path / "perfpages-wt-bbbb2222" / "ba9876543210", alpha=2)
    diff = diff_profiles(base, head)
    top = diff.rows[0]
    assert top.key == FunctionKey("work_alpha", "bench.c")
    assert top.after > 2 * top.before * 0.9 and top.delta > 200_000  # twice the loop, give or take codegen
    assert all(r.key.function != "work_beta" for r in diff.rows)
    # Whatever else moved (the dynamic loader reads a different path) is tiny and never a +N/-N pair.
    assert all(abs(r.delta) < top.delta / 100 for r in diff.rows[1:])
    names = [r.key.function for r in diff.rows]
    assert len(names) == len(set(names))
