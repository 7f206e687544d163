"""Text in the wrong language: English developer messages on a German page, German on an
English one (issue 12: "workshop 3 is already over; nobody can be invited" in the German
UI).

The check reads what a person sees or hears: the page's visible text (with every
`<details>` opened), its title and the accessible names in `aria-label`, `title`,
`placeholder` and `alt`. What a person typed into the seeded data (municipalities, names,
titles, notes) is masked first, as are the programme's proper nouns, which stay German in
English (Kommunalrichtlinie). What is left must not contain a single marker of the other
language. Internal keys (`stage_notice`, `street_lighting`) and ISO timestamps count as
leaks in both languages: a person should never read them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# markers of English on a German page; case-sensitive unless (?i)
ENGLISH = [
    r"(?i)\bnot found\b",
    r"(?i)\bfield required\b",
    r"(?i)\binput should\b",
    r"(?i)\bvalue error\b",
    r"(?i)\bvalue should\b",
    r"(?i)\bnot a valid\b",
    r"(?i)\balready\b",
    r"(?i)\binvalid\b",
    r"(?i)\bmust\b",
    r"(?i)\bshould\b",
    r"(?i)\bcannot\b",
    r"(?i)\brefused\b",
    r"(?i)\bplease\b",
    r"(?i)\bunknown\b",
    r"(?i)\bexpected\b",
    r"(?i)\bat least\b",
    r"(?i)\bless than\b",
    r"(?i)\bgreater than\b",
    r"(?i)\bnobody\b",
    r"(?i)\bdeadline\b",
    r"\bengagements?\b",  # lowercase: English prose ("engagement 3")
    r"\bworkshops?\b",  # lowercase: German writes "Workshop"
    r"\bparticipants?\b",
    r"\binvitations?\b",  # the raw mail kind
    r"\bVersion \d",  # the row's version number; a process version is a "Fassung"
    r"\b(?:the|is|are|not|of|with|and|has been)\b",
]
# markers of German on an English page
GERMAN = [
    r"[äöüÄÖÜß]",
    r"\b(?:nicht|und|oder|der|das|des|mit|für|bitte|noch|ist|sind|wurde|kein|keine)\b",
    r"\b(?:Frist|Beratung|Antrag|Verlauf|Teilnehmende\w*|Uhr|Tage?|Arbeitstage?)\b",
    r"\b(?:zugesagt|abgesagt|offen|Zusage|Absage|Fehler|Anmelden|Abmelden|Speichern)\b",
]
BOTH = [
    r"\b[a-z]+_[a-z_]+\b",  # an internal key: stage_notice, street_lighting
    r"\b\d{4}-\d{2}-\d{2}T\d{2}",  # an ISO timestamp
    r"(?i)\bInternal Server Error\b",
    r"(?i)\bTraceback\b",
]
# proper nouns that stay as they are in either language
NAMES = [
    "Fokusberatung Klimaschutz",
    "Kommunalrichtlinie",
    "Baden-Württemberg",
    "Thüringen",
    "fokus",
]

_ENGLISH = [re.compile(p) for p in ENGLISH + BOTH]
_GERMAN = [re.compile(p) for p in GERMAN + BOTH]

# what the browser reads: visible text with every <details> opened, title, accessible
# names; and the text of the parts marked as another language (lang="…", WCAG 3.1.2
# "Language of Parts": an email's subject in the engagement's language, a German place
# name in an English hint), which a screen reader reads in that language
READ_PAGE = """() => {
  for (const d of document.querySelectorAll('details')) d.open = true;
  const names = [...document.querySelectorAll('[aria-label],[title],[placeholder],[alt]')]
    .flatMap(el => ['aria-label', 'title', 'placeholder', 'alt']
      .map(a => el.getAttribute(a)).filter(Boolean));
  const own = document.documentElement.lang;
  const parts = [...document.body.querySelectorAll('[lang]')]
    .filter(el => el.lang && el.lang !== own).map(el => el.innerText.trim()).filter(Boolean);
  return {text: [document.title, document.body.innerText, ...names].join('\\n'), parts};
}"""


def mask(text: str, typed: Iterable[str]) -> str:
    """`text` with every typed value and proper noun replaced by a neutral mark, longest
    first (so "Gemeinde Adorf" goes before "Adorf")."""
    for value in sorted({*typed, *NAMES}, key=len, reverse=True):
        text = text.replace(value, "▪")
    return text


def leaks(text: str, lang: str, typed: Iterable[str] = ()) -> list[str]:
    """The markers of the other language found in `text`, each with a little context;
    empty when the page is clean."""
    patterns = _ENGLISH if lang == "de" else _GERMAN
    clean = mask(text, typed)
    found: list[str] = []
    for pattern in patterns:
        for match in pattern.finditer(clean):
            start, end = max(0, match.start() - 40), min(len(clean), match.end() + 40)
            snippet = " ".join(clean[start:end].split())
            found.append(f"{match.group(0)!r} in …{snippet}…")
    return found


def page_text(page: Any) -> tuple[str, list[str]]:
    """What a person reads or hears on the open page, and the parts of it marked as
    another language (to be masked like typed data)."""
    read = page.evaluate(READ_PAGE)
    return str(read["text"]), [str(part) for part in read["parts"]]
