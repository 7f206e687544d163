"""Process name and version → definition, and one engine per definition.

A `Registry` is plain data in memory. The service's context holds one (the default:
every process under `workflows/processes/`); a test may build its own with an extra,
test-only process and hand it to the app, with no change under `service/`."""

from __future__ import annotations

from collections.abc import Iterable

from workflows.definition import Process
from workflows.engine import Engine
from workflows.processes import all_versions


class UnknownProcess(LookupError):
    pass


class Registry:
    def __init__(self, processes: Iterable[Process] = ()) -> None:
        self._versions: dict[str, dict[int, Process]] = {}
        self._engines: dict[tuple[str, int], Engine] = {}
        for process in processes:
            self.register(process)

    def register(self, process: Process) -> None:
        """Adds a version, or replaces it (re-applying a fixed definition)."""
        self._versions.setdefault(process.name, {})[process.version] = process
        self._engines.pop((process.name, process.version), None)

    def names(self) -> list[str]:
        return list(self._versions)

    def knows(self, name: str, version: int | None = None) -> bool:
        versions = self._versions.get(name, {})
        return bool(versions) if version is None else version in versions

    def versions(self, name: str) -> list[Process]:
        if name not in self._versions:
            raise UnknownProcess(f"unknown process {name!r}")
        return [self._versions[name][v] for v in sorted(self._versions[name])]

    def latest(self, name: str) -> Process:
        return self.versions(name)[-1]

    def get(self, name: str, version: int) -> Process:
        try:
            return self._versions[name][version]
        except KeyError:
            raise UnknownProcess(f"unknown process version {name!r} v{version}") from None

    def all_latest(self) -> list[Process]:
        return [self.latest(name) for name in self._versions]

    def all(self) -> list[Process]:
        return [p for name in self._versions for p in self.versions(name)]

    def engine(self, name: str, version: int) -> Engine:
        key = (name, version)
        engine = self._engines.get(key)
        if engine is None:
            engine = self._engines[key] = Engine(self.get(name, version))
        return engine

    def copy(self) -> Registry:
        return Registry(self.all())


def default_registry() -> Registry:
    """Every process of the programme (a new Registry each call: callers may add to it)."""
    return Registry(all_versions())
