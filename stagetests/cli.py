"""The ``stagetests`` command line.

Exit codes: 0 success, 1 a check failed, 2 bad usage or configuration, 3 infrastructure not
reachable. A ``StagetestsError`` is printed as one line; any other exception is a bug and keeps
its traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from stagetests.check import check_endpoints
from stagetests.console import format_table, say
from stagetests.errors import AuthenticationError, ServiceUnreachableError, StagetestsError
from stagetests.errors import UsageError as StagetestsUsageError
from stagetests.pipeline import rerender, run_suites
from stagetests.profiles import load_settings
from stagetests.registry import RUNNABLE, SUITES, stopping, topologies
from stagetests.results import RunStore, default_reports_dir
from stagetests.sandbox.install import install_packages
from stagetests.sandbox.tools import Tools
from stagetests.settings import Settings
from stagetests.suites.cache.bench_speed import HEADERS as SPEED_HEADERS
from stagetests.suites.cache.bench_speed import redis_speed, speed_table_rows

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse would print the whole usage; one line and exit 2 is our convention.
        raise StagetestsUsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--profile", help="profile name or YAML path (default: $STAGETESTS_"
                        "PROFILE or local)")
    topology = _Parser(add_help=False)
    topology.add_argument("--suite", choices=tuple(SUITES), default="all",
                          help="which topology or endpoints (default: all)")
    parser = _Parser(prog="stagetests", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sandbox = commands.add_parser("sandbox", parents=[common, topology],
                                  help="the local sandbox of real servers")
    sandbox.add_argument("action", choices=("install", "up", "down", "status"),
                         help="install packages | start | stop | show servers")
    commands.add_parser("check", parents=[common, topology],
                        help="connect to every endpoint of a profile and show who answers")
    run = commands.add_parser("run", parents=[common],
                              help="execute suite notebooks into a run folder and HTML reports")
    run.add_argument("--suite", "--test-type", dest="suite", choices=RUNNABLE,
                     default="all", help="which suite notebook(s) (default: all)")
    run.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                     help="a notebook parameter (repeatable); unknown names are refused")
    run.add_argument("--timeout", type=float, default=1800,
                     help="seconds one notebook cell may run (default: 1800)")
    run.add_argument("--verbose", action="store_true", help="stream cell output")
    run.add_argument("--reports", type=Path, default=None,
                     help="reports folder (default: $STAGETESTS_REPORTS_DIR, else the "
                     "project's reports/)")
    bench = commands.add_parser("bench", parents=[common],
                                help="our driver's rate against the native benchmark tool")
    bench.add_argument("--system", required=True, choices=("redis", "postgres", "kafka"),
                       help="which system (today: redis)")
    bench.add_argument("--duration", type=float, default=5.0,
                       help="seconds of load per figure (default: 5)")
    bench.add_argument("--clients", type=int, default=4,
                       help="connections, ours and the tool's (default: 4)")
    report = commands.add_parser("report", help="re-render a run's HTML from what it stored")
    report.add_argument("run_id", metavar="RUN", help="a run id (a folder under reports/)")
    report.add_argument("--reports", type=Path, default=None,
                        help="reports folder (default: $STAGETESTS_REPORTS_DIR, else the "
                        "project's reports/)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "report":
            return _report(_store(args.reports), args.run_id)
        settings = load_settings(args.profile)
        if args.command == "run":
            given = dict(_pair(text) for text in args.parameter)
            return run_suites(settings, args.suite, given, _store(args.reports), args.timeout,
                              args.verbose)
        if args.command == "check":
            return _check(settings, args.suite)
        if args.command == "bench":
            return _bench(settings, args.system, args.duration, args.clients)
        return _sandbox(settings, args.action, args.suite)
    except StagetestsError as exc:
        print(f"stagetests: error: {exc}".splitlines()[0], file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("stagetests: interrupted", file=sys.stderr)
        return 130


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise StagetestsUsageError(f"parameter {text!r}: use NAME=VALUE")
    return name.strip(), value.strip()


def _store(folder: Path | None) -> RunStore:
    return RunStore(folder or default_reports_dir())


def _report(store: RunStore, run_id: str) -> int:
    for suite, info in rerender(store, run_id).items():
        say(f"{suite}: {store.root / run_id / info['html']} "
            f"({info['html_bytes'] / 1024:.0f} KB, {info['render_s']}s)")
    say(f"index: {store.root / 'index.html'}")
    return 0


def _sandbox(settings: Settings, action: str, suite: str) -> int:
    if action == "install":
        install_packages()
        Tools(settings.sandbox.cache_dir).install()
        return 0
    selected = topologies(settings, suite)
    if action == "up":
        say(f"sandbox state: {settings.sandbox.state_dir}")
        for topology in selected:
            started = time.monotonic()
            fresh = topology.up()
            verb = "started" if fresh else "already running,"
            say(f"{topology.name}: {verb} ready in {time.monotonic() - started:.1f}s")
    elif action == "down":
        for topology in stopping(settings, suite):
            topology.down()
            say(f"{topology.name}: stopped")
    rows = [row for topology in selected for row in topology.status()]
    print(format_table(
        ("topology", "service", "port", "role", "pid", "healthy", "pss MiB"),
        [(r.topology, r.service, r.port or "-", r.role, r.pid or "-", "yes" if r.healthy else "no",
          r.pss_mib) for r in rows]))
    for topology in selected:
        total = sum(r.pss_mib for r in rows if r.topology == topology.name)
        say(f"{topology.name}: {total:.0f} MiB PSS in all")
    if action == "status" and not all(row.healthy for row in rows):
        return 1
    return 0


def _bench(settings: Settings, system: str, duration_s: float, clients: int) -> int:
    if system != "redis":
        raise StagetestsUsageError(f"bench --system {system}: not yet")
    rows = redis_speed(settings, duration_s, clients)
    print(format_table(SPEED_HEADERS, speed_table_rows(rows)))
    return 0


def _check(settings: Settings, suite: str) -> int:
    probes = check_endpoints(settings, suite)
    print(format_table(
        ("endpoint", "address", "reachable", "role", "version", "connect+query ms"),
        [(p.name, p.endpoint, "yes" if p.reachable else "no", p.role or "-", p.version or "-",
          f"{p.round_trip_ms:.1f}" if p.round_trip_ms is not None else "-") for p in probes]))
    failed = [p for p in probes if not p.reachable]
    if failed:
        first = failed[0]
        more = f" (and {len(failed) - 1} more endpoints)" if len(failed) > 1 else ""
        kind = AuthenticationError if "authentication" in first.error.lower() \
            else ServiceUnreachableError
        raise kind(f"{first.name}: {first.error}{more}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
