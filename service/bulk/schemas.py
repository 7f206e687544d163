"""The bulk bodies and answers. The list of ids is bounded (MAX_IDS) and has no duplicates,
so one request is a bounded amount of work and every id is answered exactly once."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    model_validator,
)

from service.core.validation import (
    BodyId,
    LocalDateTime,
    OptionalName,
    Reason,
    Version,
    not_null,
    number,
)
from service.engagements.schemas import ProcessName
from service.processes.schemas import ProcessVersion, StageName, stage_names_as_keys

MAX_IDS = 500
MAX_EXTEND_WORKING_DAYS = 250


def _no_duplicates(ids: list[int]) -> list[int]:
    seen: set[int] = set()
    twice = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
    if twice:
        raise ValueError(f"engagement ids listed twice: {', '.join(map(str, twice))}")
    return ids


EngagementIds = Annotated[
    list[BodyId],
    Field(min_length=1, max_length=MAX_IDS, json_schema_extra={"uniqueItems": True}),
    AfterValidator(_no_duplicates),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SeenVersion(BaseModel):
    """The version of an engagement the caller saw (a list with checkboxes shows it):
    a newer one is refused as a concurrent change instead of overwritten."""

    model_config = ConfigDict(extra="forbid")
    id: BodyId
    version: Version


def _one_of_due_or_extension(schema: dict[str, Any]) -> None:
    not_null("due_at", "extend_working_days")(schema)
    schema["oneOf"] = [{"required": ["due_at"]}, {"required": ["extend_working_days"]}]


class BulkDeadlines(Strict):
    """Exactly one of `due_at` (the new deadline, moved to the end of a working day) and
    `extend_working_days` (each deadline later by that many working days of the
    engagement's federal state); `reason` goes into every history entry."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_one_of_due_or_extension)

    engagement_ids: EngagementIds
    due_at: LocalDateTime | None = None
    extend_working_days: (
        Annotated[int, Field(ge=1, le=MAX_EXTEND_WORKING_DAYS), BeforeValidator(number)] | None
    ) = None
    reason: Reason
    expected_versions: list[SeenVersion] = Field(default_factory=list, max_length=MAX_IDS)

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = {"due_at", "extend_working_days"} & self.model_fields_set
        if len(given) != 1:
            raise ValueError("send exactly one of due_at and extend_working_days")
        if self.due_at is None and self.extend_working_days is None:
            raise ValueError(f"{given.pop()} cannot be null")
        return self


class BulkOwner(Strict):
    """The new owner of every listed engagement; blank or null clears it."""

    engagement_ids: EngagementIds
    owner: OptionalName | None
    expected_versions: list[SeenVersion] = Field(default_factory=list, max_length=MAX_IDS)


class BulkMigrate(Strict):
    """Move the listed engagements of `process` to `to_version` (issue 8's migration, each
    from the version it runs on). Dry run by default: says what would move where and what
    is refused, and changes nothing."""

    engagement_ids: EngagementIds
    process: ProcessName
    to_version: ProcessVersion
    # old stage -> new stage; stages of the same name map to themselves
    state_map: (
        Annotated[
            dict[StageName, StageName],
            Field(max_length=200),
        ]
        | None
    ) = Field(default=None, json_schema_extra=stage_names_as_keys)
    dry_run: StrictBool = True


class Refusal(BaseModel):
    """One engagement left as it was: the error catalogue's code and its texts."""

    id: int
    code: str
    reason: str
    reason_de: str


class BulkResult(BaseModel):
    """Each listed id is in exactly one of the lists, in the order sent."""

    changed: list[int]
    unchanged: list[int] = Field(
        default_factory=list, description="already as asked (no history entry written)"
    )
    refused: list[Refusal]


class Move(BaseModel):
    id: int
    from_version: int
    from_state: str
    to_version: int
    to_state: str


class BulkMigrateResult(BaseModel):
    """`changed`: migrated (a dry run: would be). `moves` says from where to where."""

    dry_run: bool
    changed: list[int]
    refused: list[Refusal]
    moves: list[Move]
    warnings: list[str]
