"""The language files: the same keys in every language, no empty text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

I18N = Path(__file__).resolve().parents[1] / "templates" / "i18n"


def _keys(value: object, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        return {k for key, v in value.items() for k in _keys(v, f"{prefix}{key}.")}
    if isinstance(value, list):
        return {f"{prefix}[{len(value)}]"}
    return {prefix.rstrip(".")}


def _texts(value: object) -> list[str]:
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return [str(value)]


@pytest.mark.parametrize("language", ["en"])
def test_every_language_has_the_german_keys(language: str) -> None:
    german = json.loads((I18N / "de.json").read_text(encoding="utf-8"))
    other = json.loads((I18N / f"{language}.json").read_text(encoding="utf-8"))
    assert _keys(other) == _keys(german)
    assert all(text.strip() for text in _texts(other) + _texts(german))


def test_every_part_has_the_same_words_in_every_language() -> None:
    """The words of one part of the product (templates/i18n/<lang>/<part>.json) exist in
    every language, with the same keys and the same placeholders."""
    german = {p.name: p for p in (I18N / "de").glob("*.json")}
    english = {p.name: p for p in (I18N / "en").glob("*.json")}
    assert german.keys() == english.keys()
    for name, path in german.items():
        de = json.loads(path.read_text(encoding="utf-8"))
        en = json.loads(english[name].read_text(encoding="utf-8"))
        assert de.keys() == en.keys(), name
        for key in de:
            assert str(de[key]).strip() and str(en[key]).strip(), (name, key)
            placeholders = [sorted(re.findall(r"{\w*}", text[key])) for text in (de, en)]
            assert placeholders[0] == placeholders[1], (name, key)
