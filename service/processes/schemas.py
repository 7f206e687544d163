from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from service.core.validation import BodyId, number

STAGE_PATTERN = "^[a-z][a-z0-9_]*$"
StageName = Annotated[str, Field(min_length=1, max_length=40, pattern=STAGE_PATTERN)]


def stage_names_as_keys(schema: dict[str, Any]) -> None:
    """pydantic documents constrained dict keys as patternProperties, which leaves other
    keys open to any value; say instead what the code checks: every key a stage name,
    every value a stage name."""
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "object":
            value = option.pop("patternProperties", {}).get(STAGE_PATTERN)
            option["propertyNames"] = {"minLength": 1, "maxLength": 40, "pattern": STAGE_PATTERN}
            option["additionalProperties"] = value


ProcessVersion = Annotated[int, Field(ge=1, le=10_000), BeforeValidator(number)]


class MigrationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_version: ProcessVersion
    to_version: ProcessVersion
    # old stage -> new stage; stages of the same name map to themselves
    state_map: (
        Annotated[
            dict[StageName, StageName],
            Field(max_length=200),
        ]
        | None
    ) = Field(default=None, json_schema_extra=stage_names_as_keys)
    # None: every engagement on from_version
    engagement_ids: Annotated[list[BodyId], Field(max_length=10_000)] | None = None
    dry_run: StrictBool = True


class MigrationRefusal(BaseModel):
    id: int
    code: str  # from the error catalogue
    reason: str
    reason_de: str


class MigrationResponse(BaseModel):
    dry_run: bool
    migrated: list[int]
    refused: list[MigrationRefusal]
    warnings: list[str] = Field(description="parts of the request that did not apply")


class StagePublic(BaseModel):
    name: str
    label_de: str
    label_en: str
    final: bool
    deadline_working_days: int | None = Field(
        description="internal target in working days from entering the stage, as in force"
    )


class GuardPublic(BaseModel):
    name: str
    reason_de: str
    reason_en: str
    description: str = Field(description="the English reason (the first release's name)")
    facts: list[str] = Field(description="the named facts the guard reads")


class NoticePublic(BaseModel):
    template: str
    to: str = Field(description="participants | contact | supervisors")


class StepPublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    trigger: str
    from_: list[str] = Field(alias="from")
    to: str
    label_de: str
    label_en: str
    guards: list[GuardPublic]
    notices: list[NoticePublic] = Field(description="the mail this step sends, and to whom")
    needs_reason: bool = Field(
        False,
        description="fires only with a `note` giving the reason (reject, withdraw); without "
        "one: 409, failed guard `reason_given`",
    )


class MilestoneDefinition(BaseModel):
    name: str
    label_de: str
    label_en: str
    anchor: str = Field(description="created | funding_start | funding_end")
    months: int
    moves_to_working_day: bool


class ProcessPublic(BaseModel):
    name: str
    version: int
    title_de: str
    title_en: str
    initial: str
    stages: list[StagePublic]
    steps: list[StepPublic]
    milestones: list[MilestoneDefinition]
    states: list[StagePublic] = Field(description="the first release's name for `stages`")
    transitions: list[StepPublic] = Field(description="the first release's name for `steps`")
    final_states: list[str]


class WorkflowPublic(ProcessPublic):
    mermaid: str


class VersionSummary(BaseModel):
    version: int
    created: str | None = Field(description="the date this version came into force")
