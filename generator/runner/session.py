"""Run a set of scenarios on one or two checkouts and gather a RunRecord.

A failing scenario (crash, non-zero exit, timeout, missing metric) is recorded as a
Failure with the tail of its stderr and skipped for the rest of the run; every
other scenario carries on.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from perfpages import __version__
from perfpages.model import Command, Failure, Measurement, RunRecord, Scenario
from perfpages.runner.callgrind import count_instructions
from perfpages.runner.executor import OUTPUT_LIMIT, Execution, Executor, Invocation
from perfpages.runner.metrics import extract, reported
from perfpages.runner.plan import Phase, Side, Step, plan
from perfpages.runner.reports import Gathered, prepare, read_report
from perfpages.runner.server import ServerError, running

STDERR_TAIL = 2000  # characters of stderr kept with a failure
REASON_LIMIT = 1000  # characters of a failure's reason: a reason may quote the scenario's own output
OUTPUT_LINES = 3  # lines of stdout quoted when a benchmark tool's suite fails
NOT_RUN = Execution(None, 0.0, 0.0, 0, "", "")  # the command never started: nothing to report but the reason
ProgressFn = Callable[[int, int, str], None]  # (done, total, what runs next)


@dataclass(frozen=True)
class RunOptions:
    machine: str
    run_id: str
    branch: str | None = None
    pull_request: int | None = None
    ci_url: str | None = None
    cpus: tuple[int, ...] = ()
    keep_profiles: bool = False
    project_root: Path | None = None  # the checkout holding perfpages.yml (worktrees live elsewhere)


@dataclass
class _State:
    """Mutable while measuring one (scenario, side); frozen into Measurements at the end."""

    samples: dict[str, list[float]] = field(default_factory=dict)
    profiles: list[str] = field(default_factory=list)
    reported: Gathered = field(default_factory=Gathered)  # the series of a tool's report (report_format)
    failure: Failure | None = None
    last_execution: Execution = NOT_RUN  # for the stderr tail of a failure raised while reading it


def measure(
    scenarios: tuple[Scenario, ...],
    sides: tuple[Side, ...],
    executor: Executor,
    options: RunOptions,
    fingerprint: dict,
    profiles_dir: Path | None = None,
    progress: ProgressFn | None = None,
) -> RunRecord:
    started = _now()
    states = {(s.label, side.name): _State() for s in scenarios for side in sides}
    setups = _setups(scenarios, sides, options)
    steps = plan(scenarios, sides)
    total = len(setups) + len(steps)
    report = progress or (lambda done, total, what: None)
    for i, (side, scenario, invocation) in enumerate(setups):
        report(i, total, f"setup {side.name}: {scenario.setup}")
        _run_setup(executor, side, scenario, invocation, scenarios, states)
    for i, step in enumerate(steps, start=len(setups)):
        state = states[(step.scenario.label, step.side.name)]
        report(i, total, f"{step.phase.value} {step.scenario.label} ({step.side.name})")
        if state.failure is None:
            _guarded(step, state, partial(_run_step, executor, step, state, options, profiles_dir))
    report(total, total, "done")
    return _record(scenarios, sides, states, options, fingerprint, started)


def _guarded(step: Step, state: _State, run: Callable[[], None]) -> None:
    """Run one step; whatever it raises becomes this scenario's failure, never the run's end.

    A scenario's output is untrusted: a 401-digit number, 100,000 `[` or a report that
    trips a parser must cost that scenario only, not every other scenario's samples.
    Interrupts (KeyboardInterrupt, SystemExit) are not Exceptions and still stop the run.
    """
    try:
        run()
    except Exception as exc:  # the point: nothing a scenario prints escapes its step
        reason = f"perfpages could not read this step's result: {type(exc).__name__}: {exc}"
        state.failure = _failure(step.scenario, step.side, step.phase.value, reason, state.last_execution)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def invocation_for(
    scenario: Scenario, side: Side, options: RunOptions, setup: bool = False, command: Command | None = None
) -> Invocation:
    command = command or (scenario.setup if setup and scenario.setup else scenario.command)
    argv = command.argv if command.shell is None else ("/bin/sh", "-c", command.shell)
    cwd = side.root / scenario.cwd if scenario.cwd else side.root
    # A build step is not part of the measurement: `cores` pins only what is measured.
    cpus = options.cpus if setup else cpus_for(scenario, options)
    return Invocation(argv, cwd, _environment(scenario, side, options), scenario.timeout, cpus)


def cpus_for(scenario: Scenario, options: RunOptions) -> tuple[int, ...]:
    """A `cores` dimension pins the scenario to that many CPUs (of --cpus, else of those allowed),
    so scaling is measured on real cores rather than on whatever the scheduler picks."""
    cores = dict(scenario.params).get("cores")
    if cores is None:
        return options.cpus
    pool = options.cpus or tuple(sorted(os.sched_getaffinity(0)))
    wanted = int(cores)
    if not 1 <= wanted <= len(pool):
        raise CoresError(f"cores={cores}: {len(pool)} CPUs are available to pin to; lower it or pass --cpus")
    return pool[:wanted]


class CoresError(ValueError):
    pass


def _environment(scenario: Scenario, side: Side, options: RunOptions) -> dict[str, str]:
    env = dict(os.environ)
    # `python3` in a scenario means the interpreter perfpages runs under. Version-manager
    # shims (pyenv, asdf) are shell scripts that fork and would change callgrind's count.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(scenario.env)
    env.update({f"PERFPAGES_PARAM_{k.upper()}": v for k, v in scenario.params})
    env.update({"PERFPAGES_SIDE": side.name, "PERFPAGES_COMMIT": side.commit.sha, "PERFPAGES_ROOT": str(side.root)})
    env["PERFPAGES_PROJECT_ROOT"] = str(options.project_root or side.root)
    return env


def _setups(scenarios, sides, options: RunOptions) -> list[tuple[Side, Scenario, Invocation]]:
    """One setup per distinct (side, command, cwd): scenarios of one matrix share their build."""
    seen, setups = set(), []
    for side in sides:
        for s in scenarios:
            if s.setup is None:
                continue
            inv = invocation_for(s, side, options, setup=True)
            key = (side.name, inv.argv, inv.cwd)
            if key not in seen:
                seen.add(key)
                setups.append((side, s, inv))
    return setups


def _run_setup(executor, side, scenario, invocation, scenarios, states) -> None:
    execution = executor.execute(invocation)
    if execution.ok:
        return
    reason = f"setup `{scenario.setup}` {execution.reason(invocation.timeout)}"
    for other in scenarios:
        if other.setup == scenario.setup and other.cwd == scenario.cwd:
            states[(other.label, side.name)].failure = _failure(other, side, "setup", reason, execution)


def _run_step(executor: Executor, step: Step, state: _State, options: RunOptions, profiles_dir) -> None:
    scenario, side = step.scenario, step.side
    try:
        invocation = invocation_for(scenario, side, options)
    except CoresError as exc:
        state.failure = _failure(scenario, side, "measure", str(exc), NOT_RUN)
        return
    if step.phase is Phase.INSTRUCTIONS:
        keep = profiles_dir if options.keep_profiles else None
        count = count_instructions(executor, invocation, keep, f"{_slug(scenario.label)}.{side.name}")
        if count.instructions is None:
            state.failure = _failure(scenario, side, "instructions", count.error, count.execution)
            return
        state.samples.setdefault("instructions", []).append(float(count.instructions))
        state.profiles.extend(p.name for p in count.profiles)
        return
    started = prepare(scenario, invocation.cwd) if step.phase is Phase.MEASURE else 0.0
    try:
        execution = _execute_with_server(executor, scenario, side, options, invocation)
    except ServerError as exc:
        state.failure = _failure(scenario, side, "measure", str(exc), NOT_RUN)
        return
    state.last_execution = execution
    if not execution.ok:
        reason = execution.reason(scenario.timeout) + (_output_ending(execution) if scenario.report_format else "")
        state.failure = _failure(scenario, side, "measure", reason, execution)
    elif step.phase is Phase.MEASURE:
        _collect(scenario, side, execution, invocation.cwd, state)
        if state.failure is None and scenario.report_format:
            _collect_report(step, execution, invocation.cwd, state, started)


def _execute_with_server(executor: Executor, scenario: Scenario, side: Side, options: RunOptions, invocation):
    if scenario.server is None:
        return executor.execute(invocation)
    server = invocation_for(scenario, side, options, command=scenario.server.command)
    with running(server, scenario.server.port, scenario.server.ready_timeout):
        return executor.execute(invocation)


def _collect(scenario: Scenario, side: Side, execution: Execution, cwd: Path, state: _State) -> None:
    if execution.stdout_cut and any(_reads_stdout(m, scenario) for m in scenario.timed_metrics):
        state.failure = _failure(scenario, side, "measure", _cut_reason(execution), execution)
        return
    values: dict[str, float] = {}
    report: dict[str, float] | None = None
    for metric in scenario.timed_metrics:
        if metric.builtin:
            values[metric.name] = float(getattr(execution, metric.name))
            continue
        if metric.output:
            if report is None:
                parsed = reported(metric.output, execution.stdout, cwd, scenario.output_file)
                if not isinstance(parsed, dict):
                    state.failure = _failure(scenario, side, "measure", parsed.error, execution)
                    return
                report = parsed
            if metric.name not in report:
                hint = " (run wrk with --latency for percentiles)" if metric.output == "wrk" else ""
                reason = f"metric {metric.name}: not in the {metric.output} report{hint}"
                state.failure = _failure(scenario, side, "measure", reason, execution)
                return
            values[metric.name] = report[metric.name]
            continue
        found = extract(metric, execution.stdout, cwd)
        if found.value is None:
            state.failure = _failure(scenario, side, "measure", found.error, execution)
            return
        values[metric.name] = found.value
    for name, value in values.items():  # all or nothing, so sample lists stay aligned
        state.samples.setdefault(name, []).append(value)


def _collect_report(step: Step, execution: Execution, cwd: Path, state: _State, started: float) -> None:
    """The tool's report of this repetition: its benchmarks join the scenario's reported series."""
    scenario, side = step.scenario, step.side
    if execution.stdout_cut and not scenario.output_file:
        state.failure = _failure(scenario, side, "measure", _cut_reason(execution), execution)
        return
    reading = read_report(scenario, execution.stdout, cwd, side.commit.sha, started)
    if reading.error:
        state.failure = _failure(scenario, side, "measure", reading.error, execution)
        return
    state.reported.add(reading, step.repetition)


def _output_ending(execution: Execution) -> str:
    """Test runners (pytest, go test, cargo bench) say which benchmark failed on stdout, not stderr:
    its last lines, so the failure record names it."""
    lines = [line.strip() for line in execution.stdout.splitlines() if line.strip()][-OUTPUT_LINES:]
    return f"; its output ends: {' / '.join(lines)}" if lines else ""


def _reads_stdout(metric, scenario: Scenario) -> bool:
    if metric.builtin:
        return False
    return not scenario.output_file if metric.output else not metric.file


def _cut_reason(execution: Execution) -> str:
    """A metric read from a cut stdout could be the wrong one (a regex takes the first match),
    so it is a failure rather than a value that may silently differ from what was printed."""
    return (
        f"stdout is over {OUTPUT_LIMIT:,} bytes, of which perfpages keeps the end: its first "
        f"{execution.stdout_cut:,} bytes were cut before the metrics were read; "
        "print less, or write the metrics to a file (the metric's `file`, or `output_file`)"
    )


def _failure(scenario: Scenario, side: Side, phase: str, reason: str, execution: Execution) -> Failure:
    return Failure(
        scenario=scenario.name,
        params=scenario.params,
        commit=side.commit.sha,
        phase=phase,
        reason=_shortened(reason) + _tail_note(execution),
        stderr_tail=execution.stderr[-STDERR_TAIL:],
    )


def _tail_note(execution: Execution) -> str:
    if execution.stderr_bytes <= STDERR_TAIL:
        return ""
    return f" (stderr_tail is the end of {execution.stderr_bytes:,} bytes of stderr)"


def _shortened(reason: str) -> str:
    if len(reason) <= REASON_LIMIT:
        return reason
    cut = len(reason) - REASON_LIMIT
    return f"{reason[:REASON_LIMIT]}… ({cut:,} more characters cut)"


def _slug(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("_")


def _record(scenarios, sides, states, options: RunOptions, fingerprint: dict, started: str) -> RunRecord:
    measurements, failures = [], []
    for side in sides:
        for s in scenarios:
            state = states[(s.label, side.name)]
            if state.failure is not None:
                failures.append(state.failure)
                continue
            measurements.extend(state.reported.measurements(side.commit.sha))
            stderr_tail = state.last_execution.stderr[-STDERR_TAIL:]
            failures.extend(state.reported.failures(side.commit.sha, stderr_tail))
            for metric in s.metrics:
                samples = state.samples.get(metric.name)
                if samples:
                    profiles = tuple(state.profiles) if metric.name == "instructions" else ()
                    measurements.append(
                        Measurement(
                            s.name,
                            metric.name,
                            metric.unit,
                            metric.direction,
                            side.commit.sha,
                            tuple(samples),
                            s.params,
                            profiles,
                        )
                    )
    by_name = {side.name: side.commit for side in sides}
    return RunRecord(
        run_id=options.run_id,
        machine=options.machine,
        head=by_name["head"],
        base=by_name.get("base"),
        started_at=started,
        finished_at=_now(),
        tool_version=__version__,
        fingerprint=fingerprint,
        measurements=tuple(measurements),
        failures=tuple(failures),
        branch=options.branch,
        pull_request=options.pull_request,
        ci_url=options.ci_url,
    )
