"""The benchmarks keep working as the service changes (they print figures, never assert
times): each engine of bench/peers walks a few instances to completion on SQLite with the
durable work it claims, the compare report states each side's work and skips a missing
peer with the install hint, and the HTTP floor answers under the load loop."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from bench.floor import floor_server, measure_floor
from bench.peers import compare, fokus_side, peer_transitions
from bench.peers.common import STEPS, CaseHistory

INSTANCES = 3


def test_fokus_walks_its_engagements_to_completion(tmp_path: Path) -> None:
    walk = fokus_side.run(f"sqlite:///{tmp_path / 'fokus.db'}", tmp_path, "sqlite", INSTANCES)
    assert walk.transitions == INSTANCES * len(STEPS)
    assert walk.cpu_us > 0
    engine = create_engine(f"sqlite:///{tmp_path / 'fokus.db'}")
    with engine.connect() as connection:
        history = connection.exec_driver_sql(
            "SELECT count(*) FROM engagement_history WHERE kind = 'transition'"
        ).scalar_one()
        mail = connection.exec_driver_sql("SELECT count(*) FROM outbox_messages").scalar_one()
    engine.dispose()
    assert history == INSTANCES * len(STEPS)
    assert mail > 0  # the stage notices are queued as production queues them


def test_transitions_peer_writes_state_version_and_history(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'peer.db'}"
    walk = peer_transitions.run(url, "sqlite", INSTANCES)
    assert walk.transitions == INSTANCES * len(STEPS)
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT state, version FROM cases").all()
        history = connection.execute(select(func.count()).select_from(CaseHistory)).scalar_one()
    engine.dispose()
    assert set(rows) == {("completed", 1 + len(STEPS))}
    assert history == INSTANCES * len(STEPS)


@pytest.mark.parametrize(
    ("module", "engine"),
    [("SpiffWorkflow", "SpiffWorkflow"), ("statemachine", "python-statemachine")],
)
def test_optional_peers_walk_to_completion(tmp_path: Path, module: str, engine: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{engine} is not installed ({compare.INSTALL_HINT})")
    from bench.peers import peer_spiff, peer_statemachine

    runner = peer_spiff if engine == "SpiffWorkflow" else peer_statemachine
    walk = runner.run(f"sqlite:///{tmp_path / 'peer.db'}", "sqlite", INSTANCES)
    assert walk.transitions == INSTANCES * len(STEPS)  # run() checks every instance completed


def test_a_missing_peer_is_skipped_with_the_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        compare,
        "MODULES",
        {"SpiffWorkflow": "no_such_module_a", "python-statemachine": "no_such_module_b"},
    )
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    comparison = compare.compare("sqlite", 2, 1, log=lambda _line: None)
    assert comparison.engines == ["fokus", "transitions"]
    lines = compare.report(comparison, 2)
    text = "\n".join(lines)
    assert "pip install -e '.[bench]'" in text
    assert "facts for the guards" in text and "version_id_col" in text
    assert comparison.fastest_peer() == "transitions"


def test_the_floor_answers_under_load() -> None:
    with floor_server() as url:
        load = measure_floor(url, clients=2, seconds=0.3)
    assert load.ok > 0 and load.errors == 0
    assert load.percentile_ms(0.99) >= load.percentile_ms(0.5) > 0
