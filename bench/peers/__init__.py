"""The peer comparison of issue 16: the same process walked to completion in-process by
fokus's service layer and by the engines a team would pick instead (bench/peers/compare.py).

What each side writes per transition (its durable work), in one transaction each:
- fokus: the service layer's `transition` as production runs it: the engagement's facts
  (counts of participants, ended workshops, measures) loaded for the guards, state,
  version, stage deadline and its warning, milestones, a history row, the stage notices
  in the outbox, the transition counter.
- SpiffWorkflow: the BPMN workflow deserialised from its row, the ready user task run,
  the workflow serialised back (JSON) with state and version, a history row.
- transitions / python-statemachine: the ORM object loaded, the trigger fired by the
  machine, state and version written by the ORM (version_id_col), a history row.
No peer checks guards against other rows, computes deadlines or queues mail: each does the
durable work it can without code a team would have to write itself."""
