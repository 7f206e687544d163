"""The layering, enforced: read every module of `workflows/` and `service/` with `ast`
(nothing is imported, so a broken module cannot hide a violation) and hold the imports
to the rules that keep a new process, a new feature or a new mail transport a local
change:

- `workflows/` (with `workflows/processes/`) is the process as pure data: it imports
  nothing of `service/`, the web framework, the database or mail.
- `service/core/` is what every feature builds on: it imports no other part of
  `service/` (it may import `workflows/`).
- `service/mail/` is infrastructure: it imports only `service.core` and itself.
- No feature (`service/<package>` other than the infrastructure below) imports the
  dashboard, `service.web`.
- No import cycle between modules: counting the imports that run when a module is
  loaded (not those inside functions or under `TYPE_CHECKING`).

The first three rules count every import, lazy ones inside functions too: a dependency
that is only deferred is still a dependency. Each failure names the file, the line, the
importing module and what it imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# what workflows/ may never import: the service, HTTP, the database, I/O and mail
NOT_IN_WORKFLOWS = (
    "service",
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlmodel",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "sqlite3",
    "apscheduler",
    "httpx",
    "jinja2",
    "smtplib",
    "aiosmtplib",
    "email",
    "email_validator",
    "mailbox",
    "icalendar",
)
# service/<package> that are infrastructure or the dashboard, not features
NOT_FEATURES = ("core", "http", "web", "mail", "observability", "migrations")


@dataclass(frozen=True)
class Import:
    """One imported module: `target` is resolved (relative imports made absolute,
    `from package import module` pointing at the module)."""

    module: str
    target: str
    path: str  # relative to the repository
    line: int
    # runs when the module is loaded (not inside a function, not under TYPE_CHECKING)
    at_load: bool

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.module} imports {self.target}"


@dataclass(frozen=True)
class Source:
    name: str
    path: Path
    is_package: bool


def sources(root: Path) -> dict[str, Source]:
    """Every module of `service/` and `workflows/` under `root`, by dotted name (the
    Alembic revisions are data, not code that anything imports)."""
    found: dict[str, Source] = {}
    for top in ("service", "workflows"):
        for path in sorted((root / top).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if "versions" in parts and "migrations" in parts:
                continue
            is_package = parts[-1] == "__init__"
            name = ".".join(parts[:-1] if is_package else parts)
            found[name] = Source(name, path, is_package)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, at_load: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement below `node`, and whether it runs at load time."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, at_load
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _walk(child, False)
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for statement in child.body:
                yield from _walk(ast.Module(body=[statement], type_ignores=[]), False)
            for statement in child.orelse:
                yield from _walk(ast.Module(body=[statement], type_ignores=[]), at_load)
        else:
            yield from _walk(child, at_load)


def _absolute(source: Source, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = source.name.split(".") if source.is_package else source.name.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports(root: Path = ROOT) -> list[Import]:
    """Every import of every module under `root`, resolved."""
    modules = sources(root)
    found: list[Import] = []
    for source in modules.values():
        tree = ast.parse(source.path.read_text(encoding="utf-8"), str(source.path))
        path = source.path.relative_to(root).as_posix()
        for node, at_load in _walk(tree, True):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _absolute(source, node)
                # `from package import module` imports the module; otherwise a name
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            for target in dict.fromkeys(targets):
                found.append(Import(source.name, target, path, node.lineno, at_load))
    return found


def within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def feature_of(module: str) -> str | None:
    """`service.engagements.api` → "engagements"; None for infrastructure, the
    dashboard and the composition roots (service/app.py, cli.py, …)."""
    parts = module.split(".")
    if parts[0] != "service" or len(parts) < 3 or parts[1] in NOT_FEATURES:
        return None
    return parts[1]


def workflows_violations(found: list[Import]) -> list[Import]:
    return [
        i
        for i in found
        if within(i.module, "workflows") and within(i.target.split(".")[0], *NOT_IN_WORKFLOWS)
    ]


def core_violations(found: list[Import]) -> list[Import]:
    return [
        i
        for i in found
        if within(i.module, "service.core")
        and within(i.target, "service")
        and not within(i.target, "service.core")
    ]


def mail_violations(found: list[Import]) -> list[Import]:
    return [
        i
        for i in found
        if within(i.module, "service.mail")
        and within(i.target, "service")
        and not within(i.target, "service.core", "service.mail")
    ]


def web_violations(found: list[Import]) -> list[Import]:
    return [i for i in found if feature_of(i.module) and within(i.target, "service.web")]


def import_graph(found: list[Import], modules: set[str]) -> dict[str, dict[str, Import]]:
    """module → the modules it loads at load time (with the import that does it). Loading
    `a.b.c` loads the packages `a` and `a.b` first, so they count too, except the
    importer's own packages, which are being loaded already."""
    graph: dict[str, dict[str, Import]] = {name: {} for name in modules}
    for i in found:
        if not i.at_load:
            continue
        parts = i.target.split(".")
        importer = i.module.split(".")
        own_packages = {".".join(importer[:n]) for n in range(1, len(importer))}
        for n in range(1, len(parts) + 1):
            loaded = ".".join(parts[:n])
            if loaded in modules and loaded not in own_packages and loaded != i.module:
                graph[i.module].setdefault(loaded, i)
    return graph


def cycles(graph: dict[str, dict[str, Import]]) -> list[list[Import]]:
    """One cycle per strongly connected component (Tarjan), as the imports that close it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [_one_cycle(graph, component) for component in components]


def _one_cycle(graph: dict[str, dict[str, Import]], component: set[str]) -> list[Import]:
    """A shortest way from the component's first module back to itself."""
    start = min(component)
    paths: dict[str, list[Import]] = {start: []}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt, edge in sorted(graph[node].items()):
                if nxt == start:
                    return [*paths[node], edge]
                if nxt in component and nxt not in paths:
                    paths[nxt] = [*paths[node], edge]
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"no cycle through {start} in {sorted(component)}")


def _report(rule: str, offenders: list[Import]) -> str:
    return f"{rule}:\n" + "\n".join(f"  {i}" for i in offenders)


# --- the rules, on the repository ----------------------------------------------


@pytest.fixture(scope="module")
def found() -> list[Import]:
    return imports(ROOT)


def test_the_check_sees_the_code(found: list[Import]) -> None:
    """Guards the guard: a wrong root or a broken walk would make every rule pass."""
    importers = {i.module for i in found}
    for module in ("workflows.engine", "service.core.db", "service.mail.dispatch"):
        assert module in importers, module
    assert any(i.target == "service.core.settings" for i in found)
    assert any(feature_of(i.module) == "engagements" for i in found)


def test_workflows_is_pure(found: list[Import]) -> None:
    offenders = workflows_violations(found)
    assert not offenders, _report("workflows/ imports service, HTTP, database or mail", offenders)


def test_the_core_imports_no_feature(found: list[Import]) -> None:
    offenders = core_violations(found)
    assert not offenders, _report("service/core/ imports service outside the core", offenders)


def test_mail_imports_no_feature(found: list[Import]) -> None:
    offenders = mail_violations(found)
    assert not offenders, _report("service/mail/ imports more than core and mail", offenders)


def test_no_feature_imports_the_dashboard(found: list[Import]) -> None:
    offenders = web_violations(found)
    assert not offenders, _report("a feature imports service.web", offenders)


def test_no_import_cycle(found: list[Import]) -> None:
    graph = import_graph(found, set(sources(ROOT)))
    found_cycles = cycles(graph)
    assert not found_cycles, "import cycles:\n" + "\n".join(
        " -> ".join([cycle[0].module, *(i.target for i in cycle)])
        + "\n"
        + "\n".join(f"    {i}" for i in cycle)
        for cycle in found_cycles
    )


# --- the check itself, on a small tree that breaks every rule --------------------


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_each_rule_names_what_breaks_it(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "workflows/__init__.py": "",
            "workflows/processes/__init__.py": "",
            "workflows/processes/bad.py": "def f():\n    from sqlmodel import Session\n",
            "service/__init__.py": "",
            "service/core/__init__.py": "",
            "service/core/ctx.py": "from ..engagements import models\n",
            "service/mail/__init__.py": "",
            "service/mail/rsvp.py": "from service.workshops.service import record\n",
            "service/web/__init__.py": "",
            "service/web/pages.py": "",
            "service/engagements/__init__.py": "",
            "service/engagements/models.py": "",
            "service/engagements/api.py": "from service.web import pages\n",
            "service/workshops/__init__.py": "",
            "service/workshops/service.py": (
                "from typing import TYPE_CHECKING\n"
                "from service.workshops import api\n"
                "if TYPE_CHECKING:\n    from service.mail import rsvp\n"
            ),
            "service/workshops/api.py": "import service.workshops.service\n",
            "service/measures/__init__.py": "",
            "service/measures/a.py": "def later():\n    from . import b\n",
            "service/measures/b.py": "from service.measures import a\n",
        },
    )
    found = imports(tmp_path)
    assert [str(i) for i in workflows_violations(found)] == [
        "workflows/processes/bad.py:2: workflows.processes.bad imports sqlmodel"
    ]
    assert [str(i) for i in core_violations(found)] == [
        "service/core/ctx.py:1: service.core.ctx imports service.engagements.models"
    ]
    assert [(i.module, i.target) for i in mail_violations(found)] == [
        ("service.mail.rsvp", "service.workshops.service")
    ]
    assert [(i.module, i.target) for i in web_violations(found)] == [
        ("service.engagements.api", "service.web.pages")
    ]
    # workshops.service <-> workshops.api is a cycle; measures' lazy import and the
    # TYPE_CHECKING import are not
    graph = import_graph(found, set(sources(tmp_path)))
    assert [[(i.module, i.target) for i in cycle] for cycle in cycles(graph)] == [
        [
            ("service.workshops.api", "service.workshops.service"),
            ("service.workshops.service", "service.workshops.api"),
        ]
    ]
