"""`robot campaign run|status|pause|resume|export`.

`run` and `resume` check everything first (robot.campaign.preflight): a bad scenario, prompt, dial template,
keyword file or a port in use creates nothing. SIGINT/SIGTERM stop the campaign cleanly (grace period
`campaign.grace_s`, then hang-up; a second signal hangs up at once); it is left paused. CSV exports neutralise
cells a spreadsheet would run as formulas; export files are 0600.

`run` and `resume` need a live dialer: the factory `--dialer module:function` (default
`robot.calls.dialer:make_dialer`) is called as `factory(settings)` inside the event loop and returns a
`robot.campaign.runner.Dialer`; if the result has `async aclose()`, it is awaited when the campaign stops.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import inspect
import logging
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from robot.campaign.contacts import load_contacts, load_dnc
from robot.campaign.open_store import open_store
from robot.campaign.preflight import check_files, probe_switch
from robot.campaign.progress import ProgressPrinter, lease_line, progress_table, waiting_lines, worker_lines
from robot.campaign.runner import CampaignRunner, Dialer, RunPolicy, build_dial_string
from robot.campaign.store import CampaignCounts, CampaignRecord, CampaignStore, owner_is_dead
from robot.clock import SystemClock
from robot.commands.campaign_export import cmd_export
from robot.console.live import LiveView
from robot.console.server import ConsoleServer
from robot.errors import ConfigError, StoreError
from robot.metrics import RobotMetrics
from robot.settings import Settings

DEFAULT_DIALER = "robot.calls.dialer:make_dialer"
WAITING_EVERY_S = 5.0  # the live console's "why contacts wait" lines are read again at most this often, seconds


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("campaign", help="Run and manage outbound call campaigns.")
    sub = parser.add_subparsers(dest="campaign_command", metavar="ACTION", required=True)

    run = sub.add_parser("run", help="Validate a contacts CSV, create the campaign and dial it.")
    run.add_argument("contacts", type=Path, help="Contacts CSV (UTF-8, ',' or ';'; column phone required).")
    run.add_argument("--name", required=True, help="Campaign name (unique).")
    run.add_argument("--scenario", required=True, help="Dialog scenario the calls play.")
    _pacing_args(run)
    run.add_argument("--dial-template", default=None, help="Dial string with {number} (default from settings).")
    run.add_argument(
        "--prospecting",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Consumer prospecting: French D223-9 windows, 4 attempts/30 days, 60-day refusal quiet period.",
    )
    run.add_argument(
        "--legal-basis",
        choices=("consent", "contract"),
        default="consent",
        help="consent: every contact needs consent_ref (law in force 2026-08-11); contract: existing customers.",
    )
    run.add_argument("--skip-invalid", action="store_true", help="Store bad rows as skipped instead of refusing.")
    run.add_argument("--dnc", type=Path, default=None, help="Do-not-call list (one number per line).")
    run.add_argument("--dialer", default=DEFAULT_DIALER, help="Dialer factory module:function.")
    _worker_arg(run)
    run.set_defaults(func=cmd_run)

    status = sub.add_parser("status", help="Show campaigns (or one) with their progress.")
    status.add_argument("name", nargs="?", help="Campaign name.")
    status.set_defaults(func=cmd_status)
    for action, func in (("pause", cmd_pause), ("resume", cmd_resume)):
        p = sub.add_parser(action, help=f"{action.capitalize()} a campaign.")
        p.add_argument("name", help="Campaign name.")
        if action == "resume":
            _pacing_args(p)
            p.add_argument("--dialer", default=DEFAULT_DIALER, help="Dialer factory module:function.")
            _worker_arg(p)
        p.set_defaults(func=func)
    export = sub.add_parser("export", help="Export a campaign's contacts and attempts.")
    export.add_argument("name", help="Campaign name.")
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv", help="Output format.")
    export.add_argument("-o", "--output", type=Path, default=None, help="Output file (default stdout).")
    export.set_defaults(func=cmd_export)


def _worker_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--worker",
        action="store_true",
        help="One of several processes (machines) on this campaign: joins it if it exists, shares its contacts "
        "(PostgreSQL store, campaign.store); --concurrency and --cps are per worker.",
    )


def _pacing_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--concurrency", type=int, default=None, help="Calls in flight at most.")
    parser.add_argument("--cps", type=float, default=None, help="New calls per second at most.")


def _store(settings: Settings) -> CampaignStore:
    return open_store(settings.campaign)


def _policy_settings(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    c = settings.campaign
    snapshot: dict[str, Any] = {
        "concurrency": c.concurrency,
        "cps": c.cps,
        "dial_template": c.dial_template,
        "max_attempts": c.max_attempts,
        "retry_delay_s": dict(c.retry_delay_s),
        "legal_max_attempts": c.legal_max_attempts,
        "legal_window_days": c.legal_window_days,
        "refusal_quiet_days": c.refusal_quiet_days,
        "idle_poll_s": c.idle_poll_s,
        "lease_ttl_s": c.lease_ttl_s,
        "grace_s": c.grace_s,
    }
    snapshot.update(_overrides(args))
    if getattr(args, "dial_template", None):
        snapshot["dial_template"] = args.dial_template
    build_dial_string(snapshot["dial_template"], "+33100000000")
    return snapshot


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if getattr(args, "concurrency", None) is not None:
        if args.concurrency < 1:
            raise ConfigError("--concurrency must be >= 1")
        out["concurrency"] = args.concurrency
    if getattr(args, "cps", None) is not None:
        if args.cps <= 0:
            raise ConfigError("--cps must be > 0")
        out["cps"] = args.cps
    return out


def load_dialer_factory(spec: str) -> Callable[[Settings], Dialer]:
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ConfigError(f"--dialer {spec!r}: expected module:function")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name is not None and module_name.startswith(err.name):
            raise ConfigError(
                f"dialer {spec!r} is not available ({err}); the live dialer robot.calls.dialer:make_dialer "
                "must be installed, or pass --dialer module:function"
            ) from err
        raise
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ConfigError(f"dialer {spec!r}: {module_name} has no callable {attr!r}")
    return factory  # type: ignore[no-any-return]


def _live(args: argparse.Namespace) -> bool:
    return bool(args.dialer == DEFAULT_DIALER)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    policy_settings = _policy_settings(settings, args)
    factory = load_dialer_factory(args.dialer)
    checked = check_files(settings, args.scenario, policy_settings["dial_template"], live=_live(args))
    store = _store(settings)
    try:
        dnc = store.dnc_numbers()
        for dnc_path in (settings.campaign.dnc_file, args.dnc):
            if dnc_path is not None:
                numbers = load_dnc(dnc_path)
                store.add_dnc(numbers, str(dnc_path), SystemClock().wall())
                dnc |= numbers
        report = load_contacts(
            args.contacts,
            default_timezone=settings.campaign.default_timezone,
            consent_required=args.prospecting and args.legal_basis == "consent",
            dnc=dnc,
        )
        if report.problems and not args.skip_invalid:
            raise ConfigError(report.describe_problems() + "\nnothing was created (fix the rows or --skip-invalid)")
        if report.problems:
            print(report.describe_problems() + "\nthese rows are stored as skipped", file=sys.stderr)
        if not report.contacts:
            raise ConfigError(f"{args.contacts}: no valid contact to call")
        switch = asyncio.run(probe_switch(settings)) if _live(args) else None  # a refused password creates nothing
        try:
            campaign = store.create_campaign(
                name=args.name,
                scenario=str(checked.scenario),
                prospecting=args.prospecting,
                legal_basis=args.legal_basis,
                settings=policy_settings,
                contacts=report.contacts,
                skipped=report.problems,
                now=SystemClock().wall(),
            )
            print(f"campaign {campaign.name!r} created: {len(report.contacts)} contacts", file=sys.stderr)
        except StoreError:
            if not args.worker:
                raise
            campaign = store.get_campaign(args.name)  # another worker created it: join
            print(f"campaign {campaign.name!r}: joining as a worker", file=sys.stderr)
        policy = RunPolicy.for_campaign(campaign, _overrides(args) if args.worker else None)
        return asyncio.run(_dial(store, campaign, policy, settings, factory, switch, worker=args.worker))
    finally:
        store.close()


def cmd_resume(args: argparse.Namespace, settings: Settings) -> int:
    factory = load_dialer_factory(args.dialer)
    store = _store(settings)
    try:
        campaign = store.get_campaign(args.name)
        if campaign.status == "done":
            print(f"campaign {campaign.name!r} is done", file=sys.stderr)
            return 0
        policy = RunPolicy.for_campaign(campaign, _overrides(args))
        check_files(settings, campaign.scenario, policy.dial_template, live=_live(args))
        switch = asyncio.run(probe_switch(settings)) if _live(args) else None
        store.set_status(campaign.name, "running")
        return asyncio.run(_dial(store, campaign, policy, settings, factory, switch, worker=args.worker))
    finally:
        store.close()


async def _dial(
    store: CampaignStore,
    campaign: CampaignRecord,
    policy: RunPolicy,
    settings: Settings,
    factory: Callable[[Settings], Dialer],
    switch: str | None,
    *,
    worker: bool = False,
) -> int:
    printer = ProgressPrinter(sys.stdout)
    if switch is not None:
        printer.notice(f"campaign {campaign.name}: {switch}")
    quiet_info_logs(printer)
    metrics = RobotMetrics()
    # The live dialer shares the campaign's metrics (AMD verdicts, barge-ins, ASR queue) when it accepts them.
    takes_metrics = "metrics" in inspect.signature(factory).parameters
    dialer = factory(settings, metrics=metrics) if takes_metrics else factory(settings)  # type: ignore[call-arg]
    server = None
    live = _live_view(dialer, settings)

    checked: list[float] = [0.0, -1.0]  # when "why contacts wait" was last read, and the pending count then

    async def on_progress(record: CampaignRecord, counts: CampaignCounts) -> None:
        printer(record, counts)
        now, waiting, pending = SystemClock().wall(), None, counts.by_state.get("pending", 0)
        if pending != checked[1] or now - checked[0] >= WAITING_EVERY_S:  # one grouped query, not every update
            checked[:] = [now, pending]
            waiting = waiting_lines(await asyncio.to_thread(store.waiting, record.id), now)  # off the event loop
        live.campaign_progress(record, counts, now, waiting)

    runner = CampaignRunner(
        store,
        dialer,
        campaign,
        policy,
        SystemClock(),
        on_progress=on_progress,
        on_notice=printer.notice,
        metrics=metrics,
        worker=worker,
    )
    status: str | None = None
    running = False
    try:
        with stop_on_signals(runner):
            start = getattr(dialer, "start", None)
            if start is not None:  # the embedded servers start once, before the first call: fail early
                await start()
            if settings.campaign.metrics_port:
                server = ConsoleServer(metrics, live, settings, SystemClock())  # /metrics, live API, web console
                port = await server.start()
                printer.notice(f"live console: http://{settings.campaign.metrics_host}:{port}/ (robot top)")
            running = True
            status = await runner.run()
    except OSError as err:  # a port taken between the preflight and now
        raise ConfigError(f"campaign {campaign.name!r} stopped: {err}") from err
    finally:
        # not: another process holds it, or other workers go on
        failed_here = status is None and (runner.held_lease or not running) and not worker
        if failed_here and store.get_campaign(campaign.name).status == "running":
            store.set_status(campaign.name, "paused")  # never leave a campaign "running" without a process
        if server is not None:
            await server.close()
        aclose = getattr(dialer, "aclose", None)
        if aclose is not None:
            await aclose()
    print(f"campaign {campaign.name!r}: {status}", file=sys.stderr)
    if status == "paused":
        print(f"resume with: robot campaign resume {campaign.name}", file=sys.stderr)
    return 0


def _live_view(dialer: Dialer, settings: Settings) -> LiveView:
    """The live dialer's own view (fed by its call log); a view of campaign progress only for other dialers."""
    live = getattr(getattr(dialer, "app", None), "live", None)
    if isinstance(live, LiveView):
        return live
    return LiveView(mask_numbers=settings.console.mask_numbers, recent_calls=settings.console.recent_calls)


@contextlib.contextmanager
def stop_on_signals(runner: CampaignRunner) -> Iterator[None]:
    """SIGINT/SIGTERM: first one stops dialling (grace period), the next one hangs up at once."""
    loop = asyncio.get_running_loop()
    seen: list[int] = []

    def on_signal(signum: int) -> None:
        seen.append(signum)
        runner.request_stop(now=len(seen) > 1)

    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, on_signal, sig)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # not the main thread (tests): no handler
            pass
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def quiet_info_logs(printer: ProgressPrinter) -> None:
    """Progress lines are the campaign's output: INFO logs go quiet unless -v / log.level DEBUG."""
    root = logging.getLogger()
    if root.level == logging.INFO:
        root.setLevel(logging.WARNING)  # robot's and the libraries' (faster_whisper, websockets...)
        printer.notice("(INFO logs hidden while the campaign runs; -v shows everything)")


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    now = SystemClock().wall()
    try:
        campaigns = [store.get_campaign(args.name)] if args.name else store.list_campaigns()
        if not campaigns:
            print("no campaign")
        for campaign in campaigns:
            kind = "prospecting" if campaign.prospecting else "not prospecting"
            lease = store.lease(campaign.id)
            alive = lease.owner is not None and not owner_is_dead(lease.owner)
            held = alive and lease.until is not None and lease.until >= now
            workers = [w for w in store.workers(campaign.id) if w.owner != lease.owner or not held]
            live = [w for w in workers if w.lease_until >= now and not owner_is_dead(w.owner)]
            held = held or bool(live)
            shown: str = campaign.status
            if shown == "running" and not held:
                shown = f"running, but no live process (crashed or killed): robot campaign resume {campaign.name}"
            print(f"{campaign.name}: {shown}, scenario {campaign.scenario}, {kind} ({campaign.legal_basis})")
            ttl = float(campaign.settings.get("lease_ttl_s", 30.0))
            if workers:
                for line in worker_lines(workers, now, owner_is_dead):
                    print("  " + line)
            else:
                print("  " + lease_line(lease, ttl, now, alive))
            note = store.note(campaign.id)
            if held and note:
                print(f"  state: {note}")
            for line in progress_table(campaign, store.counts(campaign.id))[1:]:
                print("  " + line)
            for line in waiting_lines(store.waiting(campaign.id), now):
                print("  " + line)
        return 0
    finally:
        store.close()


def cmd_pause(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    try:
        campaign = store.get_campaign(args.name)
        if campaign.status == "done":
            raise ConfigError(f"campaign {args.name!r} is done; nothing to pause")
        store.set_status(args.name, "paused")
        print(f"campaign {args.name!r} paused (calls in flight finish; `robot campaign resume {args.name}`)")
        return 0
    finally:
        store.close()
