"""Privacy tests run with mail going to a real SMTP sink, and can search the whole
database for a person: every text and binary column of every table SQLModel knows."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from service.core.context import Context
from tests.support import SmtpSink


@pytest.fixture
def settings_overrides(smtp_sink: SmtpSink) -> dict[str, object]:
    return {"smtp_url": smtp_sink.url}


def _text_or_bytes(column: sa.Column[Any]) -> bool:
    kind = column.type
    if isinstance(kind, sa.TypeDecorator):  # SQLModel's AutoString is one
        kind = kind.impl_instance
    return isinstance(kind, sa.String | sa.LargeBinary)


def traces(ctx: Context, *needles: str) -> list[tuple[str, str, Any]]:
    """(table, column, value) of every value in the database that contains one of
    `needles`, case-insensitively and as a whole (`xpetra@…` does not contain `petra@…`):
    text columns as they are, binary ones decoded."""
    wanted = re.compile(
        "|".join(rf"(?<![\w.+-]){re.escape(n)}(?![\w-])" for n in needles), re.IGNORECASE
    )
    found = []
    with ctx.db.read() as session:
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.columns if _text_or_bytes(c)]
            if not columns:
                continue
            for row in session.execute(sa.select(*columns)).all():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
                    if wanted.search(str(text)):
                        found.append((table.name, column.name, value))
    return found
