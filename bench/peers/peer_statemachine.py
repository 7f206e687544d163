"""python-statemachine's side: the process as a StateMachine class, bound to the ORM
object as its documentation binds a domain model (`model=`, `state_field=`); a step loads
the case, builds the machine on it, sends the event (which sets the model's state), lets
the ORM write state and version (version_id_col), adds a history row and commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.peers.common import STEPS, Case, CaseHistory, Walk, engine_for, now, seed_cases, timed


def machine_class() -> Any:
    """The process as its documentation declares one (imported here: the extra is
    optional). Its steps are STEPS; `complete` ends in a final state."""
    from statemachine import State, StateMachine

    class Consultation(StateMachine):
        application = State(initial=True, value="application")
        onboarding = State(value="onboarding")
        workshops = State(value="workshops")
        guiding_vision = State(value="guiding_vision")
        implementation = State(value="implementation")
        completed = State(final=True, value="completed")

        approve = application.to(onboarding)
        start_workshops = onboarding.to(workshops)
        draft_vision = workshops.to(guiding_vision)
        adopt_vision = guiding_vision.to(implementation)
        complete = implementation.to(completed)

    return Consultation


def run(url: str, database: str, instances: int) -> Walk:
    consultation = machine_class()
    with engine_for(url) as engine:
        ids = seed_cases(engine, instances)

        def walk() -> int:
            count = 0
            for trigger, _source, _dest in STEPS:
                for cid in ids:
                    with Session(engine) as session, session.begin():
                        case = session.get_one(Case, cid)
                        source = case.state
                        consultation(model=case, state_field="state").send(trigger)
                        case.updated_at = now()
                        session.add(
                            CaseHistory(
                                case_id=cid,
                                trigger=trigger,
                                from_state=source,
                                to_state=case.state,
                                actor="bench",
                                at=now(),
                            )
                        )
                    count += 1
            return count

        result = timed("python-statemachine", database, instances, walk)
        with Session(engine) as session:
            states = set(session.execute(select(Case.state)).scalars())
        if states != {STEPS[-1][2]}:
            raise RuntimeError(f"python-statemachine: cases ended in {states}")
        return result
