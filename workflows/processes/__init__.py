"""The programme's processes, one module per process, each with its versions.

To add a process: write a module here that defines its `Process` versions in a tuple
`VERSIONS`, and name the module in `MODULES` below (see CONTRIBUTING.md)."""

from __future__ import annotations

from workflows.definition import Process
from workflows.processes import fokusberatung, klimaschutzmanagement

MODULES = (fokusberatung, klimaschutzmanagement)


def all_versions() -> list[Process]:
    return [process for module in MODULES for process in module.VERSIONS]
