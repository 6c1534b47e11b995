"""The registry of every Cypher statement the hub can send, and the access-filter macros.

Statements are declared once, at import, in the ``hub.graph.cypher`` modules. Their text is
fixed: user values travel only as ``$parameters``; the only things ever spliced into text are
labels and relationship types from the model's whitelist. The test suite lints every registered
statement with Neo4j's Cypher 5 analyser and runs it on FalkorDB.

Macros expanded at declaration:

``@visible(x)``   the record access filter for node or edge ``x`` (uses ``$vis``)
``@personal(x)``  true when ``$vis`` grants personal-data access to ``x``
``@project(x)``   a map projection of ``x`` with personal fields masked unless ``@personal(x)``
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from hub.model import NODE_KINDS, Distribution


class Mode(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True, slots=True)
class Statement:
    """One named Cypher statement. ``name`` appears in traces and errors; the text never does."""

    name: str
    text: str
    mode: Mode
    params: tuple[str, ...]
    source: str = ""  # the text before macro expansion


_REGISTRY: dict[str, Statement] = {}

_LEVELS = ", ".join(f"'{level.value}'" for level in Distribution)

_VISIBLE = (
    "({x}.kind IN $vis.kinds AND {x}.owner_party IS NOT NULL AND {x}.distribution IN [{levels}]"
    " AND ({x}.owner_agency = $vis.agency"
    " OR ({x}.distribution = 'PARTY' AND {x}.owner_party IN $vis.parties)"
    " OR {x}.distribution IN $vis.levels"
    " OR any(aud IN coalesce({x}.share_with, []) WHERE aud IN $vis.audiences)))"
)
_PERSONAL = (
    "({x}.owner_party IS NOT NULL AND {x}.distribution IN [{levels}]"
    " AND ({x}.owner_agency = $vis.pd_agency"
    " OR ({x}.distribution = 'PARTY' AND {x}.owner_party IN $vis.pd_parties)"
    " OR {x}.distribution IN $vis.pd_levels"
    " OR any(aud IN coalesce({x}.share_with, []) WHERE aud IN $vis.pd_audiences)))"
)
PERSONAL_FIELDS: tuple[str, ...] = tuple(
    sorted({name for kind in NODE_KINDS for name in kind.personal})
)

_MACRO = re.compile(r"@(visible|personal|project)\((\w+)\)")
_PARAM = re.compile(r"\$(\w+)")


def _expand(match: re.Match[str]) -> str:
    macro, var = match.group(1), match.group(2)
    if macro == "visible":
        return _VISIBLE.format(x=var, levels=_LEVELS)
    personal = _PERSONAL.format(x=var, levels=_LEVELS)
    if macro == "personal":
        return personal
    # The null test first: most nodes have no personal fields, and then the filter is skipped.
    masked = ", ".join(
        f"{f}: CASE WHEN {var}.{f} IS NULL THEN null WHEN {personal} THEN {var}.{f} END"
        for f in PERSONAL_FIELDS
    )
    return f"{var} {{.*, {masked}}}"


def _expand_unfiltered(match: re.Match[str]) -> str:
    macro, var = match.group(1), match.group(2)
    return var + " {.*}" if macro == "project" else "true"


def expand(text: str, filtered: bool = True) -> str:
    """Expand the access macros in ``text`` and normalise its whitespace.

    ``filtered=False`` turns every filter into ``true`` and every projection into ``x {.*}``:
    only the benchmarks' baselines use it, to measure what the filter costs.
    """
    return " ".join(_MACRO.sub(_expand if filtered else _expand_unfiltered, text).split())


def statement(name: str, text: str, mode: Mode = Mode.READ, *, filtered: bool = True) -> Statement:
    """Declare and register a statement. Names are unique; redeclaring one is a bug."""
    if name in _REGISTRY:
        raise ValueError(f"statement {name!r} is declared twice")
    body = expand(text, filtered)
    stmt = Statement(name=name, text=body, mode=mode,
                     params=tuple(sorted(set(_PARAM.findall(body)))), source=text)
    _REGISTRY[name] = stmt
    return stmt


def all_statements() -> dict[str, Statement]:
    """Every statement the hub can send (imports every Cypher module first)."""
    import hub.graph.cypher  # noqa: F401  (registers the statements)

    return dict(_REGISTRY)
