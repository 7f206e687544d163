"""SpiffWorkflow's side: the process as BPMN (one user task per stage, in sequence),
parsed once with BpmnParser; each instance a BpmnWorkflow kept as its serializer's JSON in
a row with its state and version. A step, as its documentation runs a workflow between
requests: load the row, `BpmnWorkflowSerializer.deserialize_json`, run the ready user
task, `do_engine_steps`, serialise back, UPDATE … WHERE version matches, a history row,
commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from bench.peers.common import STEPS, Walk, engine_for, now, timed

PROCESS_ID = "fokusberatung"


class Base(DeclarativeBase):
    pass


class WorkflowRow(Base):
    __tablename__ = "workflows"
    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(40))  # the ready task's stage, for queries
    version: Mapped[int] = mapped_column()
    serialization: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column()


class WorkflowHistory(Base):
    __tablename__ = "workflow_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id"), index=True)
    task: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column()


def bpmn() -> bytes:
    """start → one user task per step (named after the stage it waits in) → end."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
        ' id="fokus" targetNamespace="http://bpmn.io/schema/bpmn">',
        f'<bpmn:process id="{PROCESS_ID}" isExecutable="true">',
        '<bpmn:startEvent id="start"/>',
    ]
    previous = "start"
    for index, (trigger, source, _dest) in enumerate(STEPS):
        parts.append(f'<bpmn:userTask id="{trigger}" name="{source}"/>')
        parts.append(
            f'<bpmn:sequenceFlow id="f{index}" sourceRef="{previous}" targetRef="{trigger}"/>'
        )
        previous = trigger
    parts.append(f'<bpmn:endEvent id="{STEPS[-1][2]}"/>')
    parts.append(f'<bpmn:sequenceFlow id="end" sourceRef="{previous}" targetRef="{STEPS[-1][2]}"/>')
    parts.append("</bpmn:process></bpmn:definitions>")
    return "\n".join(parts).encode()


def _ready_task(workflow: Any) -> Any:
    from SpiffWorkflow.util.task import TaskState

    (task,) = workflow.get_tasks(state=TaskState.READY, manual=True)
    return task


def run(url: str, database: str, instances: int) -> Walk:
    from SpiffWorkflow.bpmn.parser import BpmnParser
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

    parser = BpmnParser()
    parser.add_bpmn_str(bpmn())
    spec = parser.get_spec(PROCESS_ID)
    serializer = BpmnWorkflowSerializer()
    with engine_for(url) as engine:
        Base.metadata.create_all(engine)
        with Session(engine) as session, session.begin():
            rows = []
            for _ in range(instances):
                workflow = BpmnWorkflow(spec)
                workflow.do_engine_steps()
                rows.append(
                    WorkflowRow(
                        state=STEPS[0][1],
                        version=1,
                        serialization=serializer.serialize_json(workflow),
                        updated_at=now(),
                    )
                )
            session.add_all(rows)
            session.flush()
            ids = [row.id for row in rows]

        def walk() -> int:
            count = 0
            for _trigger, source, dest in STEPS:
                for wid in ids:
                    with Session(engine) as session, session.begin():
                        row = session.execute(
                            select(WorkflowRow.serialization, WorkflowRow.version).where(
                                WorkflowRow.id == wid
                            )
                        ).one()
                        workflow = serializer.deserialize_json(row.serialization)
                        task = _ready_task(workflow)
                        task.run()
                        workflow.do_engine_steps()
                        state = (
                            dest
                            if workflow.completed
                            else _ready_task(workflow).task_spec.bpmn_name
                        )
                        changed = session.connection().execute(
                            update(WorkflowRow)
                            .where(WorkflowRow.id == wid, WorkflowRow.version == row.version)
                            .values(
                                state=state,
                                version=row.version + 1,
                                serialization=serializer.serialize_json(workflow),
                                updated_at=now(),
                            )
                        )
                        if changed.rowcount != 1:
                            raise RuntimeError("changed concurrently")
                        session.add(
                            WorkflowHistory(
                                workflow_id=wid,
                                task=task.task_spec.name,
                                from_state=source,
                                to_state=state,
                                actor="bench",
                                at=now(),
                            )
                        )
                    count += 1
            return count

        result = timed("SpiffWorkflow", database, instances, walk)
        with Session(engine) as session:
            states = set(session.execute(select(WorkflowRow.state)).scalars())
        if states != {STEPS[-1][2]}:
            raise RuntimeError(f"SpiffWorkflow: workflows ended in {states}")
        return result
