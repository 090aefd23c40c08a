"""The distribution: the import package is `perfpages` (source in generator/), and a wheel installed
outside this repository builds a dashboard from a folder that holds only results/."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_source_folder_is_a_listed_package_and_nothing_is_called_generator():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"perfpages": "generator"}
    folders = sorted(
        ".".join(("perfpages", *p.parent.relative_to(ROOT / "generator").parts))
        for p in (ROOT / "generator").rglob("__init__.py")
    )
    assert sorted(setuptools["packages"]) == folders


@pytest.mark.slow
def test_a_wheel_in_a_clean_venv_builds_the_site_of_a_folder_with_only_results(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", wheels, ROOT],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("perfpages-*.whl")
    # The venv sees this machine's packages for the dependencies (no download in tests); perfpages
    # itself comes from the wheel, as the first check below proves.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", venv], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel], check=True, capture_output=True
    )

    project = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "results", project / "results")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*args], cwd=project, capture_output=True, text=True, timeout=300)

    where = run(str(python), "-c", "import perfpages; print(perfpages.__file__)")
    assert str(venv) in where.stdout, where
    assert run(str(python), "-m", "perfpages", "--version").stdout.startswith("perfpages, version")
    built = run(str(venv / "bin" / "perfpages"), "build")
    assert built.returncode == 0, built.stderr
    assert (project / "site" / "index.html").is_file()
    assert list((project / "site").rglob("plotly*.js")), "the chart script comes from package data"
    assert not (project / "mkdocs.yml").exists() and not (project / "perfpages.yml").exists()
