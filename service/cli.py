"""The `fokus` command. Paths such as var/ are relative to where it runs.

Start-up problems (a bad setting, an unreachable database, a SQLite file that does not
exist) end the command with one line on stderr and status 2, never a traceback; see
service/core/migrate.py for what each command may create."""

from __future__ import annotations

import inspect
import logging
import os
import signal
import time
from typing import Annotated, Any

import typer

from service.auth.keys import Role, create_key
from service.core.context import Context
from service.core.migrate import StartupError, check_location, prepare
from service.core.settings import Settings, SettingsError, load_settings
from service.observability.logs import setup_logging

log = logging.getLogger("fokus")
HELP = "fokus: the API, dashboard and sweeps; var/ is relative to the working directory."
cli = typer.Typer(no_args_is_help=True, add_completion=False, help=HELP)
apikey_cli = typer.Typer(no_args_is_help=True, help="API keys")
db_cli = typer.Typer(no_args_is_help=True, help="database")
cli.add_typer(apikey_cli, name="apikey")
user_cli = typer.Typer(no_args_is_help=True, help="personal accounts")
cli.add_typer(user_cli, name="user")
process_cli = typer.Typer(no_args_is_help=True, help="processes and their versions")
cli.add_typer(db_cli, name="db")
cli.add_typer(process_cli, name="process")


def _settings() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        for line in str(exc).splitlines():
            typer.echo(f"fokus: {line}", err=True)
        raise typer.Exit(2) from None
    setup_logging(settings.log_format)
    return settings


def _fail(message: str) -> typer.Exit:
    typer.echo(f"fokus: {message}", err=True)
    return typer.Exit(2)


def _context(*, may_create: bool) -> Context:
    """Settings, the database opened and migrated to head. `may_create`: this command
    may make a new SQLite file (serve, db upgrade); the others refuse to, so a command
    run in the wrong directory says so instead of writing into a new, empty database."""
    settings = _settings()
    try:
        check_location(settings, may_create=may_create)
        ctx = Context.from_settings(settings)
        prepare(settings, ctx.db, may_create=may_create)
    except StartupError as exc:
        raise _fail(str(exc)) from None
    return ctx


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    no_scheduler: Annotated[
        bool, typer.Option("--no-scheduler", help="do not run the sweeps in this process")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1, max=32, help="worker processes (PostgreSQL only), each with its own sweeps"
        ),
    ] = 1,
) -> None:
    """API, dashboard and (unless --no-scheduler) the sweeps, in one process, or in
    --workers N processes on PostgreSQL."""
    import uvicorn

    from service.runtime import WORKER_SCHEDULER, build_app

    ctx = _context(may_create=True)
    if workers > 1 and ctx.db.is_sqlite:
        # SQLite lets one writer in at a time: one process with its write queue batches
        # the writes; more processes only queue on the file lock (docs/performance.md)
        ctx.db.dispose()
        raise _fail(
            f"--workers {workers} needs PostgreSQL; on SQLite one process is the right "
            "shape (one writer at a time): leave out --workers"
        )
    log.info("database: %s", ctx.settings.database_label())
    log.info("mail: %s", ctx.settings.mail_label())
    log.info(
        "fokus listening on http://%s:%d (sweeps %s%s)",
        host,
        port,
        "off" if no_scheduler else "on",
        f", {workers} workers" if workers > 1 else "",
    )
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "access_log": False,  # fokus.access writes one line per request, with its id
        "log_config": None,  # keep our handler (JSON when not on a terminal)
        "log_level": "info",
        "timeout_graceful_shutdown": 20,
    }
    if workers > 1:
        # each worker builds its own app and pool (service.runtime.worker_app); this
        # process only watches them, so it lets go of its connections
        ctx.db.dispose()
        os.environ[WORKER_SCHEDULER] = "0" if no_scheduler else "1"
        # a worker that has not started (imports, app, sweeps) or answered a ping in
        # this many seconds is killed and replaced: uvicorn's 5 s is too short for a
        # start on a busy machine (an older uvicorn has no such setting)
        if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
            options["timeout_worker_healthcheck"] = 60
        uvicorn.run("service.runtime:worker_app", factory=True, workers=workers, **options)
        log.info("fokus stopped")
        return
    app = build_app(ctx, scheduler=not no_scheduler)
    # SIGTERM/SIGINT: uvicorn stops accepting, finishes open requests (up to 20 s), then
    # the lifespan's stop hook stops the sweeps and releases this process's claimed mail.
    uvicorn.run(app, **options)
    log.info("fokus stopped")


@cli.command()
def scheduler(
    metrics_port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="serve this process's /metrics on this port"),
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="address for --metrics-port")] = "127.0.0.1",
) -> None:
    """Only the sweeps (due mail, reminders, escalations), for a separate process."""
    from service.observability.metrics_server import MetricsServer
    from service.scheduling import Sweeper

    ctx = _context(may_create=False)
    log.info("database: %s", ctx.settings.database_label())
    log.info("mail: %s", ctx.settings.mail_label())
    metrics: MetricsServer | None = None
    if metrics_port is not None:
        # this process's counters (mail sent, sweep durations); the database gauges are
        # on every `fokus serve` replica's /metrics. FOKUS_METRICS_TOKEN applies here too.
        try:
            metrics = MetricsServer(metrics_host, metrics_port, ctx.settings.metrics_token)
        except OSError as exc:
            raise _fail(
                f"--metrics-port: cannot listen on {metrics_host}:{metrics_port}: {exc.strerror}"
            ) from None
        metrics.start()
        log.info(
            "fokus scheduler metrics on http://%s:%d/metrics (%s)",
            metrics_host,
            metrics_port,
            "bearer token required" if ctx.settings.metrics_token else "open",
        )
    stopping = False

    def _stop(*_args: object) -> None:
        nonlocal stopping  # only a flag: a lock taken in a handler can deadlock
        stopping = True

    # before the sweeps start, so that a SIGTERM at any moment stops gracefully; and a
    # short sleep, which (unlike signal.pause()) cannot miss a signal that came early
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    sweeper = Sweeper(ctx)
    sweeper.start()
    log.info("fokus scheduler running; SIGTERM or Ctrl-C stops it")
    while not stopping:
        time.sleep(0.2)
    sweeper.stop()
    if metrics is not None:
        metrics.stop()
    log.info("fokus scheduler stopped")


@apikey_cli.command("create")
def apikey_create(
    name: Annotated[str, typer.Option(help="who uses the key (shown in history)")],
    role: Annotated[
        Role | None, typer.Option(help="staff, supervisor or admin (with --user: the account's)")
    ] = None,
    firm: Annotated[
        str | None, typer.Option(help="the consultancy the key belongs to; none: all")
    ] = None,
    user: Annotated[
        str | None, typer.Option(help="the account's email: the key acts as that account")
    ] = None,
) -> None:
    """Creates an API key and prints it alone on the last line (it is not shown again)."""
    name = name.strip()
    if not name or len(name) > 200 or any(ord(c) < 32 for c in name):
        typer.echo("--name must be 1..200 printable characters", err=True)
        raise typer.Exit(2)
    if firm is not None:
        firm = _line("--firm", firm)
    if user is None and role is None:
        raise _fail("--role is required (staff, supervisor or admin), or --user EMAIL")
    if user is not None and firm is not None:
        raise _fail("--firm: a key made with --user has the account's firm")
    ctx = _context(may_create=False)
    from service.accounts.users import find

    with ctx.db.write() as session:
        account = None if user is None else find(session, user)
        if user is not None and (account is None or account.disabled_at is not None):
            raise _fail(f"--user: no active account with the address {user.strip().lower()}")
        if account is not None:
            if role is not None and role.value != account.role:
                raise _fail(f"--role: the account {account.email} is {account.role}")
            role, firm = Role(account.role), account.firm
        assert role is not None
        row, key = create_key(
            session,
            ctx.clock,
            name=name,
            role=role,
            firm=firm,
            user_id=None if account is None else account.id,
        )
        acting = "" if account is None else f", acting as {account.email}"
    # which database: a key written to another one than the server's is refused there
    typer.echo(
        f"created {role.value} key #{row.id} for {name}{acting} in {ctx.settings.database_label()}",
        err=True,
    )
    typer.echo(key)


def _line(option: str, value: str) -> str:
    """An option that must be one printable line of 1..200 characters."""
    value = value.strip()
    if not value or len(value) > 200 or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise _fail(f"{option} must be 1..200 printable characters")
    return value


@user_cli.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="the login name, where mail reaches the person")],
    name: Annotated[str, typer.Option(help="as shown in history and as an engagement's owner")],
    role: Annotated[str, typer.Option(help="staff, supervisor or admin")],
    firm: Annotated[
        str | None, typer.Option(help="the consultancy the account belongs to; none: all")
    ] = None,
) -> None:
    """Creates an account and prints the one-time link to set its password (valid 72
    hours) alone on the last line."""
    from pydantic import ValidationError

    from service.accounts import tokens, users
    from service.accounts.schemas import UserCreate
    from service.core.errors import DomainError
    from service.core.input_errors import problems

    if role not in {r.value for r in Role}:
        raise _fail(f"--role must be staff, supervisor or admin, not {role!r}")
    try:
        data = UserCreate(email=email, name=name, role=Role(role), firm=firm)
    except ValidationError as exc:
        found = problems(list(exc.errors()))
        raise _fail("; ".join(f"--{p.field}: {p.message}" for p in found)) from None
    ctx = _context(may_create=False)
    try:
        with ctx.db.write() as session:
            user, token = users.create(session, ctx.clock, data)
            summary = f"created {user.role} account #{user.id} for {user.email}"
    except DomainError as exc:
        raise _fail(exc.detail) from None
    typer.echo(f"{summary} in {ctx.settings.database_label()}", err=True)
    typer.echo(tokens.link(ctx.settings.base_url, token))


@user_cli.command("reset-password")
def user_reset_password(
    email: Annotated[str, typer.Option(help="the account's email")],
) -> None:
    """Prints a new one-time link to set the account's password (earlier links stop
    working; the current password works until the link is used)."""
    from service.accounts import tokens, users
    from service.core.errors import DomainError

    ctx = _context(may_create=False)
    try:
        with ctx.db.write() as session:
            _user, token = users.reset_link(session, ctx.clock, email)
    except DomainError as exc:
        raise _fail(exc.detail) from None
    typer.echo(tokens.link(ctx.settings.base_url, token))


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Applies the migrations (safe to run from several replicas at once)."""
    ctx = _context(may_create=True)
    typer.echo(f"database at head: {ctx.settings.database_label()}")


@cli.command()
def demo(
    engagements: Annotated[
        int, typer.Option(min=0, max=10_000_000, help="extra bulk engagements for benchmarks")
    ] = 0,
) -> None:
    """Loads a few demo engagements with participants, workshops and measures."""
    from service.demo import load_bulk, load_demo

    ctx = _context(may_create=False)
    summary = load_demo(ctx)
    typer.echo(summary)
    if engagements:
        typer.echo(load_bulk(ctx, engagements))


@process_cli.command("list")
def process_list() -> None:
    """Every registered process and its versions, with how many engagements run each."""
    from service.processes.migration import engagements_per_version

    ctx = _context(may_create=False)
    counts = engagements_per_version(ctx)
    for process in ctx.registry.all():
        latest = process is ctx.registry.latest(process.name)
        count = counts.get((process.name, process.version), 0)
        typer.echo(
            f"{process.name} v{process.version}{' (latest)' if latest else ''}: "
            f"{process.title_de}; {count} engagements"
        )


@process_cli.command("migrate")
def process_migrate(
    name: Annotated[str, typer.Argument(help="the process, e.g. fokusberatung")],
    from_version: Annotated[int, typer.Option("--from", min=1, help="version to move from")],
    to_version: Annotated[int, typer.Option("--to", min=1, help="version to move to")],
    mapping: Annotated[
        list[str] | None, typer.Option("--map", help="OLD=NEW for a renamed stage; repeatable")
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="really migrate (default: a dry run)")
    ] = False,
) -> None:
    """Moves the engagements on one version of a process to another; a dry run unless
    --apply. Each engagement changes in its own transaction, with a history entry."""
    from service.core.errors import DomainError
    from service.processes import migration

    state_map: dict[str, str] = {}
    for item in mapping or []:
        old, sep, new = item.partition("=")
        if not sep or not old.strip() or not new.strip():
            typer.echo(f"--map {item!r}: expected OLD=NEW", err=True)
            raise typer.Exit(2)
        state_map[old.strip()] = new.strip()
    ctx = _context(may_create=False)
    try:
        plan = migration.plan(ctx, name, from_version, to_version, state_map)
    except DomainError as exc:
        typer.echo(exc.detail, err=True)
        raise typer.Exit(2) from None
    result = migration.run(ctx, plan, engagement_ids=None, dry_run=not apply, actor="fokus cli")
    verb = "migrated" if apply else "would migrate"
    typer.echo(
        f"{verb} {len(result.migrated)} engagements from {plan.source.key} to {plan.target.key}"
    )
    for warning in result.warnings:
        typer.echo(f"warning: {warning}")
    for refusal in result.refused:
        typer.echo(f"refused {refusal['id']}: {refusal['reason']}")
    if not apply:
        typer.echo("dry run: nothing changed; add --apply to migrate")


def main() -> None:
    fmt = os.environ.get("FOKUS_LOG_FORMAT", "auto")
    setup_logging("json" if fmt == "json" else "text" if fmt == "text" else "auto")
    cli()
