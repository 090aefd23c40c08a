"""A small stand-in for the GitHub Actions runner: it runs this repository's workflows' `run:` steps.

It reads the workflow files as they are, follows `uses: ./.github/workflows/…` into the reusable
workflows with their inputs, expands matrices, evaluates `if:` and `${{ }}` expressions, and runs
each `run:` step with bash -e, as Actions does, with GITHUB_EVENT_PATH, GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY, GITHUB_ENV, GITHUB_PATH, RUNNER_TEMP and the GITHUB_* variables set. The
origin is a local bare repository; the GitHub API is `FakeGitHub` served over HTTP.

What it does not run, and stands in for instead (each is GitHub's own code or service):
- actions/checkout clones the origin and checks out `with.ref` (or github.sha);
- actions/upload-artifact zips `with.path` into the fake API's artifacts of this run;
- setup-python, cache, configure-pages, upload-pages-artifact and deploy-pages do nothing;
- "Install perfpages" steps are replaced: a `perfpages` on PATH runs this checkout's code;
- GitHub's concurrency groups: a test decides which runs start, as GitHub would.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from perfpages.workflow.github import WorkflowRun
from tests.fakegithub import FakeGitHub, zip_folder

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
PACKAGE = WorkflowRun.__module__.split(".")[0]  # the import package's name, whatever it is called


# Expressions -----------------------------------------------------------------------------------

TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>\|\||&&|==|!=|<=|>=|[!<>(),\[\]])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_*][A-Za-z0-9_-]*)*))"
)


def _tokens(text: str) -> list[tuple[str, Any]]:
    out, pos = [], 0
    while pos < len(text.rstrip()):
        m = TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"cannot read expression at {text[pos:]!r}")
        pos = m.end()
        kind = m.lastgroup
        value = m.group(kind)
        out.append((kind, value[1:-1].replace("''", "'") if kind == "str" else value))
    return out


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "", 0.0)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if type(a) is not type(b) and a is not None and b is not None:
        try:
            return float(a) == float(b)
        except (TypeError, ValueError):
            return False
    return a == b


class _Parser:
    def __init__(self, text: str, context: dict[str, Any]):
        self.tokens, self.i, self.context = _tokens(text), 0, context

    def parse(self) -> Any:
        value = self.or_()
        if self.i != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.i]}")
        return value

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        self.i += 1
        return self.tokens[self.i - 1]

    def or_(self) -> Any:
        value = self.and_()
        while self.peek() == "||":
            self.take()
            right = self.and_()
            value = value if _truthy(value) else right
        return value

    def and_(self) -> Any:
        value = self.compare()
        while self.peek() == "&&":
            self.take()
            right = self.compare()
            value = right if _truthy(value) else value
        return value

    def compare(self) -> Any:
        value = self.unary()
        while self.peek() in ("==", "!="):
            op = self.take()[1]
            right = self.unary()
            value = _equal(value, right) == (op == "==")
        return value

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not _truthy(self.unary())
        return self.primary()

    def primary(self) -> Any:
        kind, value = self.take()
        if value == "(" and kind == "op":
            inner = self.or_()
            self.take()
            return inner
        if kind == "str":
            return value
        if kind == "num":
            return float(value) if "." in value else int(value)
        if value in ("true", "false"):
            return value == "true"
        if value == "null":
            return None
        if self.peek() == "(":
            self.take()
            args = []
            while self.peek() != ")":
                args.append(self.or_())
                if self.peek() == ",":
                    self.take()
            self.take()
            return self.call(value, args)
        return self.lookup(value)

    def lookup(self, dotted: str) -> Any:
        current: Any = self.context
        for part in dotted.split("."):
            current = current.get(part) if isinstance(current, dict) else None
        return current

    def call(self, name: str, args: list[Any]) -> Any:
        status = self.context.get("__status__", "success")
        functions = {
            "startsWith": lambda a, b: _text(a).lower().startswith(_text(b).lower()),
            "contains": lambda a, b: _text(b).lower() in _text(a).lower(),
            "fromJSON": lambda a: json.loads(a),
            "toJSON": lambda a: json.dumps(a),
            "format": lambda f, *a: re.sub(r"\{(\d+)\}", lambda m: _text(a[int(m[1])]), f),
            "always": lambda: True,
            "success": lambda: status == "success",
            "failure": lambda: status == "failure",
            "cancelled": lambda: False,
        }
        return functions[name](*args)


def evaluate(text: str, context: dict[str, Any]) -> Any:
    """One expression, without the ${{ }}."""
    return _Parser(text, context).parse()


EMBEDDED = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


def interpolate(value: Any, context: dict[str, Any]) -> Any:
    """A YAML value with ${{ }} parts: a whole-value expression keeps its type, others become text."""
    if isinstance(value, str):
        whole = EMBEDDED.fullmatch(value.strip())
        if whole and value.count("${{") == 1:
            return evaluate(whole.group(1), context)
        return EMBEDDED.sub(lambda m: _text(evaluate(m.group(1), context)), value)
    if isinstance(value, list):
        return [interpolate(v, context) for v in value]
    if isinstance(value, dict):
        return {k: interpolate(v, context) for k, v in value.items()}
    return value


def condition(text: Any, context: dict[str, Any], default_success: bool = True) -> bool:
    if text is None:
        return context.get("__status__", "success") == "success"
    text = str(text).strip()
    text = EMBEDDED.fullmatch(text).group(1) if text.startswith("${{") else text
    uses_status = re.search(r"\b(always|success|failure|cancelled)\(\)", text)
    if not uses_status and context.get("__status__", "success") != "success":
        return False
    return _truthy(evaluate(text, context))


# Running ---------------------------------------------------------------------------------------


@dataclass
class StepResult:
    job: str
    name: str
    outcome: str  # success, failure, skipped
    outputs: dict[str, str]
    log: str = ""


@dataclass
class JobResult:
    result: str  # success, failure, skipped
    outputs: dict[str, str] = field(default_factory=dict)
    steps: list[StepResult] = field(default_factory=list)
    summary: str = ""


@dataclass
class RunResult:
    run: WorkflowRun
    jobs: dict[str, JobResult]

    @property
    def summary(self) -> str:
        return "\n".join(j.summary for j in self.jobs.values())

    def step(self, job: str, name: str) -> StepResult:
        return next(s for j, r in self.jobs.items() if j.endswith(job) for s in r.steps if s.name == name)


def load_workflow(name: str) -> dict[str, Any]:
    return YAML(typ="safe").load((WORKFLOWS / name).read_text())


@dataclass
class Actions:
    """A repository `o/r` whose origin is a local bare repository, and the fake GitHub beside it."""

    tmp: Path
    origin: Path
    github: FakeGitHub
    api_url: str
    stubs: dict[str, str] = field(default_factory=dict)  # step name -> the script run instead
    next_run_id: int = 1000

    def trigger(self, workflow: str, event_name: str, payload: dict[str, Any], sha: str) -> RunResult:
        """Run one workflow for one event, the way GitHub would start it; the run is then listed."""
        run_id = self.next_run_id
        self.next_run_id += 1
        doc = load_workflow(workflow)
        payload = {"repository": {"full_name": self.github.repository, "default_branch": "main"}, **payload}
        event_path = self.tmp / f"event-{run_id}.json"
        event_path.write_text(json.dumps(payload))
        github = {
            "event_name": event_name,
            "event": payload,
            "repository": self.github.repository,
            "sha": sha,
            "run_id": str(run_id),
            "server_url": "https://github.com",
            "token": "fake-token",
        }
        base = {"github": github, "inputs": payload.get("inputs") or {}, "vars": {}, "event_path": str(event_path)}
        title = _text(interpolate(doc.get("run-name", workflow), base))
        jobs = self._jobs(doc, base, prefix="")
        failed = any(j.result == "failure" for j in jobs.values())
        run = WorkflowRun(
            run_id, f".github/workflows/{workflow}", self.github.repository, event_name,
            "failure" if failed else "success", sha, title,
        )  # fmt: skip
        self.github.runs.append(run)
        return RunResult(run, jobs)

    def _jobs(self, doc: dict[str, Any], context: dict[str, Any], prefix: str) -> dict[str, JobResult]:
        results: dict[str, JobResult] = {}
        pending = dict(doc["jobs"])
        while pending:
            name, job = next((n, j) for n, j in pending.items() if all(d in results for d in _needs(j)))
            del pending[name]
            needs = {d: {"result": results[d].result, "outputs": results[d].outputs} for d in _needs(job)}
            status = "success" if all(n["result"] == "success" for n in needs.values()) else "failure"
            ctx = {**context, "needs": needs, "__status__": status}
            if not condition(job.get("if"), ctx):
                results[name] = JobResult("skipped")
                continue
            if "uses" in job:
                results.update(self._call(job, ctx, prefix + name + "/"))
                inner = [r for k, r in results.items() if k.startswith(prefix + name + "/")]
                outcome = "failure" if any(r.result == "failure" for r in inner) else "success"
                results[name] = JobResult(outcome)
                continue
            results[name] = self._job(prefix + name, job, ctx)
        return results

    def _call(self, job: dict[str, Any], context: dict[str, Any], prefix: str) -> dict[str, JobResult]:
        called = load_workflow(job["uses"].removeprefix("./.github/workflows/"))
        declared = called["on"]["workflow_call"].get("inputs", {})
        given = interpolate(job.get("with", {}), context)
        inputs = {k: given.get(k, spec.get("default")) for k, spec in declared.items()}
        unknown = set(given) - set(declared)
        assert not unknown, f"{job['uses']} has no inputs {unknown}"
        inner = self._jobs(called, {**context, "inputs": inputs}, prefix)
        return {prefix + name: result for name, result in inner.items()}

    def _job(self, name: str, job: dict[str, Any], context: dict[str, Any]) -> JobResult:
        matrix = interpolate((job.get("strategy") or {}).get("matrix") or {}, context)
        combos = [{}] if not matrix else [{k: v} for k, values in matrix.items() for v in values]
        results = [self._one_job(name, job, {**context, "matrix": combo}) for combo in combos]
        if len(results) == 1:
            return results[0]
        failed = any(r.result == "failure" for r in results)
        merged = JobResult("failure" if failed else "success", steps=[s for r in results for s in r.steps])
        merged.summary = "\n".join(r.summary for r in results)
        return merged

    def _one_job(self, name: str, job: dict[str, Any], context: dict[str, Any]) -> JobResult:
        index = len(list(self.tmp.glob("job-*")))
        home = self.tmp / f"job-{index}-{name.replace('/', '-')}"
        workspace, temp = home / "work", home / "temp"
        workspace.mkdir(parents=True)
        temp.mkdir()
        context = {**context, "runner": {"temp": str(temp)}, "steps": {}}
        env = {k: _text(v) for k, v in interpolate(job.get("env", {}), context).items()}
        result = JobResult("success")
        paths: list[str] = []
        for i, step in enumerate(job["steps"]):
            step_name = step.get("name") or step.get("id") or step.get("uses") or step["run"].splitlines()[0]
            ctx = {**context, "__status__": result.result}
            if not condition(step.get("if"), ctx):
                result.steps.append(StepResult(name, step_name, "skipped", {}))
                continue
            files = {k: home / f"{k}-{i}" for k in ("output", "summary", "env", "path")}
            for f in files.values():
                f.touch()
            step_env = {k: _text(v) for k, v in interpolate(step.get("env", {}), ctx).items()}
            variables = self._variables(context, name, workspace, temp, files, paths)
            outcome, log = self._step(step, step_name, ctx, {**env, **step_env, **variables}, workspace, name)
            outputs = _read_outputs(files["output"])
            env.update(_read_outputs(files["env"]))
            paths[:0] = [p for p in files["path"].read_text().splitlines() if p]
            result.summary += files["summary"].read_text()
            result.steps.append(StepResult(name, step_name, outcome, outputs, log))
            if step.get("id"):
                context["steps"][step["id"]] = {"outputs": outputs, "outcome": outcome}
            if outcome == "failure":
                result.result = "failure"
        ctx = {**context, "__status__": result.result}
        result.outputs = {k: _text(interpolate(v, ctx)) for k, v in (job.get("outputs") or {}).items()}
        return result

    def _variables(self, context, job: str, workspace: Path, temp: Path, files, paths) -> dict[str, str]:
        github = context["github"]
        wrapper = self.tmp / "bin"
        return {
            "PATH": os.pathsep.join([*paths, str(wrapper), os.environ["PATH"]]),
            "HOME": str(self.tmp),
            "PYTHONPATH": str(ROOT),
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": github["event_name"],
            "GITHUB_EVENT_PATH": context["event_path"],
            "GITHUB_REPOSITORY": github["repository"],
            "GITHUB_SHA": github["sha"],
            "GITHUB_RUN_ID": github["run_id"],
            "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_JOB": job.rsplit("/", 1)[-1],
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_API_URL": self.api_url,
            "GITHUB_SERVER_URL": github["server_url"],
            "GITHUB_OUTPUT": str(files["output"]),
            "GITHUB_STEP_SUMMARY": str(files["summary"]),
            "GITHUB_ENV": str(files["env"]),
            "GITHUB_PATH": str(files["path"]),
            "RUNNER_TEMP": str(temp),
            "GIT_CONFIG_GLOBAL": str(self.tmp / "gitconfig"),
        }

    def _step(self, step, name: str, ctx, env: dict[str, str], workspace: Path, job: str) -> tuple[str, str]:
        if name in self.stubs or name.startswith("Install perfpages"):
            return self._shell(self.stubs.get(name, "true"), env, workspace)
        if "run" in step:
            return self._shell(_text(interpolate(step["run"], ctx)), env, workspace)
        action = step["uses"].split("@", 1)[0]
        given = interpolate(step.get("with", {}), ctx)
        if action == "actions/checkout":
            ref = _text(given.get("ref")) or ctx["github"]["sha"]
            done = subprocess.run(
                f"git clone -q {self.origin} . && git checkout -q {ref}", shell=True, cwd=workspace,
                capture_output=True, text=True, env=env,
            )  # fmt: skip
            return ("success" if done.returncode == 0 else "failure"), done.stderr
        if action == "actions/upload-artifact":
            folder = Path(_text(given["path"]))
            if not folder.is_dir() or not any(folder.rglob("*")):
                return "failure", f"{folder}: no files found"
            self.github.add_artifact(int(ctx["github"]["run_id"]), _text(given["name"]), zip_folder(folder))
            return "success", ""
        known = {
            "actions/setup-python",
            "actions/cache",
            "actions/configure-pages",
            "actions/upload-pages-artifact",
            "actions/deploy-pages",
        }
        assert action in known, f"the harness does not stand in for {action} ({job})"
        return "success", ""

    def _shell(self, script: str, env: dict[str, str], cwd: Path) -> tuple[str, str]:
        done = subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True)
        return ("success" if done.returncode == 0 else "failure"), done.stdout + done.stderr


def _needs(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs") or []
    return [needs] if isinstance(needs, str) else list(needs)


def _read_outputs(path: Path) -> dict[str, str]:
    """Both forms the runner accepts: key=value lines and key<<DELIMITER blocks."""
    outputs, lines, i = {}, path.read_text().splitlines(), 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            outputs[key] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        if "=" in line:
            key, value = line.split("=", 1)
            outputs[key] = value
        i += 1
    return outputs


def perfpages_wrapper(folder: Path) -> Path:
    """`perfpages` on PATH running this checkout's code with this Python."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "perfpages"
    script.write_text(f'#!/bin/sh\nexec {sys.executable} -m {PACKAGE} "$@"\n')
    script.chmod(0o755)
    return script
