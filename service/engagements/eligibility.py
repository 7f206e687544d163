"""Eligibility: the rules of the Kommunalrichtlinie for who may apply, as the OpenAPI
document states them (`json_schema`) and as the service checks the ones that need the
process or the KRL version (`check`). The schema's own validators check the rest
(service/engagements/schemas.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from service.core import translations
from service.core.errors import Invalid
from service.measures.schemas import ActionArea
from workflows import programme
from workflows.definition import Process
from workflows.registry import default_registry

if TYPE_CHECKING:
    from service.engagements.schemas import EngagementCreate

MIN_MUNICIPAL_SHARE = programme.MIN_MUNICIPAL_SHARE_PERCENT
# the types the KRL 2022 added: refused under an engagement of KRL 2020
NEW_APPLICANT_TYPES = tuple(
    t for t in programme.APPLICANT_TYPES_2022 if t not in programme.APPLICANT_TYPES_2020
)


def has_variants(process: str, version: int) -> bool:
    """Version 2 of the Fokusberatung on distinguishes the Einstiegs- und
    Orientierungsberatung from the Fokusberatung of one field of action (KRL 4.1.1)."""
    return process == "fokusberatung" and version >= 2


DEFAULT_PROCESS = "fokusberatung"  # FOKUS_DEFAULT_PROCESS as shipped


def json_schema(schema: dict[str, Any]) -> None:
    """JSON Schema for `_eligibility` below and for the rules service.create adds, as
    three `anyOf`s (not one `if`/`then` per rule: a generator must multiply out every
    branch, and three small choices stay small):
    - the applicant: a municipal company states its share, >= 25 %; institutions name
      their operator; a religious community has public-corporation status; the types of
      the KRL 2022 are not for a KRL 2020 engagement (a missing krl_version is the one in
      force today: 2024);
    - the variant, only where the process has variants (fokusberatung from version 2):
      `fokus` names its field of action and may have an integrated concept; `einstieg`
      (the default) and a process without variants may not have one;
    - `process_version`, if given, is a version of the chosen (else the default) process.
    The processes are the built-in ones, as this document describes the service as
    shipped."""
    registry = default_registry()

    def kinds(*types: str, **then: Any) -> dict[str, Any]:
        properties = {"applicant_type": {"enum": list(types)}}
        required = ["applicant_type"]
        for name, given in then.items():
            rule = dict(given)
            required += [name] if rule.pop("required", False) else []
            properties[name] = rule
        return {"properties": properties, "required": required}

    since_2022 = {"enum": [None, "2022", "2024"]}
    operator = {"enum": list(programme.OPERATOR_KINDS), "required": True}
    new_institutions = [t for t in programme.NEEDS_OPERATOR_KIND if t in NEW_APPLICANT_TYPES]
    old_institutions = [t for t in programme.NEEDS_OPERATOR_KIND if t not in NEW_APPLICANT_TYPES]
    others = [
        t
        for t in programme.APPLICANT_TYPES_2022
        if t not in programme.NEEDS_OPERATOR_KIND
        and t not in ("municipal_company", "religious_community")
    ]
    applicant = {
        "anyOf": [
            kinds(*[t for t in others if t not in NEW_APPLICANT_TYPES]),
            kinds(*[t for t in others if t in NEW_APPLICANT_TYPES], krl_version=since_2022),
            kinds(
                "municipal_company",
                municipal_share_percent={
                    "type": "number",
                    "minimum": MIN_MUNICIPAL_SHARE,
                    "required": True,
                },
            ),
            kinds(*old_institutions, operator_kind=operator),
            kinds(*new_institutions, operator_kind=operator, krl_version=since_2022),
            kinds(
                "religious_community",
                public_corporation_status={"const": True, "required": True},
            ),
        ]
    }

    def at(name: str, version: int) -> dict[str, Any]:
        """The request chooses this process version (by default or by name)."""
        properties: dict[str, Any] = {}
        required = []
        if name == DEFAULT_PROCESS:
            properties["process"] = {"enum": [None, name]}
        else:
            properties["process"] = {"const": name}
            required.append("process")
        if version == registry.latest(name).version:
            properties["process_version"] = {"enum": [None, version]}
        else:
            properties["process_version"] = {"const": version}
            required.append("process_version")
        return {"properties": properties, "required": required}

    with_variants = [
        at(p.name, p.version) for p in registry.all() if has_variants(p.name, p.version)
    ]
    # absent or null: `{"type": "null"}`, not `{"const": None}`, which the document's
    # serialisation would drop (it leaves out None values)
    no_focus = {"focus_field": {"type": "null"}}
    variant = {
        "anyOf": [
            {
                "properties": {
                    "variant": {"const": "fokus"},
                    "focus_field": {"enum": [a.value for a in ActionArea]},
                },
                "required": ["variant", "focus_field"],
                "anyOf": with_variants,
            },
            {
                "properties": {
                    "variant": {"const": "einstieg"},
                    "has_integrated_concept": {"const": False},
                    **no_focus,
                },
                "required": ["variant"],
                "anyOf": with_variants,
            },
            {
                "properties": {
                    "variant": {"type": "null"},
                    "has_integrated_concept": {"const": False},
                    **no_focus,
                }
            },
        ]
    }
    versions = []
    for name in registry.names():
        numbers = [p.version for p in registry.versions(name)]
        versions.append(
            {
                "properties": {
                    "process": {"const": name},
                    "process_version": {"enum": [None, *numbers]},
                },
                "required": ["process"],
            }
        )
    default_versions = [p.version for p in registry.versions(DEFAULT_PROCESS)]
    versions.append(
        {
            "properties": {
                "process": {"type": "null"},
                "process_version": {"enum": [None, *default_versions]},
            }
        }
    )
    schema["allOf"] = [applicant, variant, {"anyOf": versions}]


def check(process: Process, data: EngagementCreate, krl_version: str) -> None:
    """The rules of eligibility that need the process or the KRL version (the schema
    checks the rest): 422 naming the rule, in English and German."""
    if data.has_integrated_concept and process.name == "klimaschutzmanagement":
        raise Invalid("not_eligible_concept_ksm")
    if data.has_integrated_concept and data.variant != "fokus":
        raise Invalid("not_eligible_concept_einstieg")
    if not has_variants(process.name, process.version) and (
        data.variant is not None or data.focus_field is not None
    ):
        raise Invalid("variant_none", process=process.key)
    allowed = programme.RULES[krl_version].applicant_types
    if data.applicant_type.value not in allowed:
        kind = data.applicant_type.value
        applicant_de = translations.language("de").applicant_types.get(kind, kind)
        raise Invalid(
            "applicant_type_krl", applicant_en=kind, applicant_de=applicant_de, krl=krl_version
        )
