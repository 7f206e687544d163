"""Mermaid state diagrams generated from a process definition.

Written here rather than with `transitions`' GraphMachine because that needs a model
per machine to mark a state; ours is a pure function of the definition, so the README
and the API can never disagree with the process.
"""

from __future__ import annotations

from workflows.definition import Process


def mermaid(process: Process, current: str | None = None) -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {process.initial}"]
    for step in process.steps:
        guard = f" [{', '.join(g.name for g in step.guards)}]" if step.guards else ""
        for source in step.source:
            lines.append(f"    {source} --> {step.dest}: {step.trigger}{guard}")
    for final in process.final_states:
        lines.append(f"    {final} --> [*]")
    if current is not None:
        if current not in process.state_names:
            raise ValueError(f"unknown state {current!r}")
        lines.append("    classDef current fill:#ffd54f,stroke:#e65100,stroke-width:3px")
        lines.append(f"    class {current} current")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m workflows.diagram: the README's block
    import sys

    from workflows.registry import default_registry

    registry = default_registry()
    name = sys.argv[1] if len(sys.argv) > 1 else "fokusberatung"
    print(mermaid(registry.latest(name)), end="")
