"""Reading and validating the policy directory: the Casbin model and the policy CSV files.

Casbin itself accepts any string; the hub checks every name against the domain (agencies of
hub/reference.py, kinds of hub/model.py, distribution levels, roles, agency types) so that a
typo is a :class:`PolicyError` naming the file and line, never a silently empty grant.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from hub.errors import PolicyError
from hub.model import ALL_KIND_NAMES, WIDE_LEVELS, AgencyType, Distribution
from hub.principal import Role
from hub.reference import AGENCY_BY_CODE

MODEL_FILE = "model.conf"
"""The Casbin model; every ``*.csv`` file beside it holds policy rows."""


class Action(StrEnum):
    """The actions a ``p`` row can grant (see policies/grants.csv)."""

    READ = "read"
    WRITE = "write"
    PERSONAL = "personal"
    DISTRIBUTE = "distribute"
    AUDIT = "audit"
    HOLD = "hold"


class Sort(StrEnum):
    """What a g2 group collects: record kinds, distribution levels or roles."""

    KINDS = "record kinds"
    LEVELS = "distribution levels"
    ROLES = "roles"


_KIND_ACTIONS = (Action.READ, Action.WRITE)
_COLUMNS = {"p": 3, "g": 2, "g2": 2}
_GROUP = re.compile(r"^[a-z][a-z0-9-]*$")
_AGENCY_LIKE = re.compile(r"^[A-Z]{2}-[A-Z]+$")
_KINDS = frozenset(ALL_KIND_NAMES)
_LEVELS = frozenset(level.value for level in Distribution)
_WIDE = frozenset(level.value for level in WIDE_LEVELS)
_ROLES = frozenset("role:" + role.value for role in Role)
_TYPES = frozenset("type:" + t.value for t in AgencyType)


@dataclass(frozen=True, slots=True)
class Rule:
    """One policy row: ``ptype`` (p, g or g2), its values, and where it was written."""

    ptype: str
    values: tuple[str, ...]
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file} line {self.line}"


@dataclass(frozen=True, slots=True)
class PolicySource:
    """A validated policy directory: the model text, its rows, and their group sorts.

    ``signature`` identifies the files' state when they were read (names, sizes, mtimes);
    ``warnings`` are problems that fail closed rather than break (e.g. a kind in no group).
    """

    directory: Path
    model_text: str
    rules: tuple[Rule, ...]
    communities: frozenset[str]
    group_sorts: dict[str, Sort]
    signature: tuple[tuple[str, int, int], ...]
    warnings: tuple[str, ...]


def signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """(name, size, mtime in ns) of the model and every CSV file: cheap to compare."""
    entries = []
    for path in _policy_paths(directory):
        try:
            stat = path.stat()
        except OSError:
            continue
        entries.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(entries)


def _policy_paths(directory: Path) -> list[Path]:
    try:
        csvs = sorted(p for p in directory.iterdir() if p.suffix == ".csv" and p.is_file())
    except OSError:
        csvs = []
    return [directory / MODEL_FILE, *csvs]


def read_policy_dir(directory: Path) -> PolicySource:
    """Read and validate ``model.conf`` and every ``*.csv`` in ``directory``.

    Raises:
        PolicyError: a file is missing or unreadable, or a row names something unknown; the
            message names the file and line.
    """
    sig = signature(directory)
    model_path = directory / MODEL_FILE
    try:
        model_text = model_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(
            f"cannot read the policy model {model_path}: {exc.strerror}; "
            "set HUB_POLICY_DIR to the folder holding model.conf and the policy CSV files"
        ) from None
    rules: list[Rule] = []
    csv_paths = _policy_paths(directory)[1:]
    if not csv_paths:
        raise PolicyError(f"no policy CSV files beside {model_path}")
    for path in csv_paths:
        rules.extend(_read_rows(path))
    communities, sorts = _check_groups(rules)
    _check_grants(rules, communities, sorts)
    return PolicySource(
        directory=directory, model_text=model_text, rules=tuple(rules),
        communities=frozenset(communities), group_sorts=sorts, signature=sig,
        warnings=tuple(_warnings(rules)),
    )


def _read_rows(path: Path) -> Iterable[Rule]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc}") from None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        cells = [c.strip() for c in next(csv.reader([line], skipinitialspace=True))]
        where = f"{path} line {number}"
        ptype, values = cells[0], tuple(cells[1:])
        if ptype not in _COLUMNS:
            raise PolicyError(f"{where}: unknown row type {ptype!r}; use p, g or g2")
        if len(values) != _COLUMNS[ptype] or not all(values):
            raise PolicyError(
                f"{where}: a {ptype} row has {_COLUMNS[ptype]} non-empty values after "
                f"{ptype!r}, this one has {len(values)}"
            )
        yield Rule(ptype, values, str(path), number)


def _unknown(name: str) -> str:
    """Why ``name`` is not a known agency, kind, level, role or agency type."""
    if name.startswith("role:"):
        return f"unknown role {name!r}; roles are " + ", ".join(sorted(_ROLES))
    if name.startswith("type:"):
        return f"unknown agency type {name!r}; types are " + ", ".join(sorted(_TYPES))
    if _AGENCY_LIKE.match(name):
        return f"unknown agency {name!r}; agencies are listed in hub/reference.py"
    if name.isupper() or "_" in name:
        return (f"unknown distribution level or relationship type {name!r}; levels are "
                + ", ".join(level.value for level in Distribution))
    if name[:1].isupper():
        return f"unknown record kind {name!r}; kinds are the labels and types of hub/model.py"
    return f"unknown name {name!r}"


def _leaf_sort(name: str) -> Sort | None:
    if name in _KINDS:
        return Sort.KINDS
    if name in _LEVELS:
        return Sort.LEVELS
    if name in _ROLES:
        return Sort.ROLES
    return None


def _check_groups(rules: list[Rule]) -> tuple[set[str], dict[str, Sort]]:
    """Check g and g2 rows; return the communities (g groups) and each g2 group's sort."""
    communities: set[str] = set()
    for rule in (r for r in rules if r.ptype == "g"):
        member, group = rule.values
        if member not in AGENCY_BY_CODE and not _GROUP.match(member):
            raise PolicyError(f"{rule.where}: {_unknown(member)} (a member must be an agency "
                              "code or a lower-case community name)")
        if group in _LEVELS and group not in _WIDE:
            raise PolicyError(f"{rule.where}: {group} is not a level an agency can belong to; "
                              "use " + ", ".join(sorted(_WIDE)) + " or a community")
        if group not in _WIDE and not _GROUP.match(group):
            raise PolicyError(f"{rule.where}: {_unknown(group)} (a group must be a wide level "
                              "or a lower-case community name)")
        for name in (member, group):
            if _GROUP.match(name):
                communities.add(name)
    sorts: dict[str, Sort] = {}
    g2 = [r for r in rules if r.ptype == "g2"]
    for rule in g2:
        member, group = rule.values
        if _leaf_sort(member) is None and not _GROUP.match(member):
            raise PolicyError(f"{rule.where}: {_unknown(member)}")
        if not _GROUP.match(group):
            raise PolicyError(f"{rule.where}: group {group!r} must be a lower-case name "
                              "(letters, digits, dashes)")
        if group in communities:
            raise PolicyError(f"{rule.where}: {group!r} is already a community in a g row; "
                              "give object groups their own names")
    # Sorts flow from leaves up through nested groups; iterate to a fixed point.
    changed = True
    while changed:
        changed = False
        for rule in g2:
            member, group = rule.values
            sort = _leaf_sort(member) or sorts.get(member)
            if sort is None:
                continue
            if group not in sorts:
                sorts[group] = sort
                changed = True
            elif sorts[group] is not sort:
                raise PolicyError(f"{rule.where}: group {group!r} mixes {sorts[group]} "
                                  f"and {sort} ({member!r})")
    for rule in g2:
        member = rule.values[0]
        if _leaf_sort(member) is None and member not in sorts:
            raise PolicyError(f"{rule.where}: group {member!r} has no kinds, levels or roles "
                              "in it; define it with g2 rows first")
    return communities, sorts


def _check_object(rule: Rule, obj: str, want: Sort, sorts: dict[str, Sort]) -> None:
    sort = _leaf_sort(obj)
    if sort is None and not _GROUP.match(obj):
        raise PolicyError(f"{rule.where}: {_unknown(obj)}")
    if sort is None:
        sort = sorts.get(obj)
        if sort is None:
            raise PolicyError(f"{rule.where}: unknown group {obj!r}; define it in a g2 row")
    if sort is not want:
        raise PolicyError(f"{rule.where}: {rule.values[2]} grants take {want}, "
                          f"{obj!r} is {sort}")


def _check_grants(rules: list[Rule], communities: set[str], sorts: dict[str, Sort]) -> None:
    for rule in (r for r in rules if r.ptype == "p"):
        sub, obj, act = rule.values
        try:
            action = Action(act)
        except ValueError:
            raise PolicyError(f"{rule.where}: unknown action {act!r}; actions are "
                              + ", ".join(a.value for a in Action)) from None
        if action is Action.HOLD:
            if sub not in communities and sub not in AGENCY_BY_CODE:
                raise PolicyError(f"{rule.where}: hold grants are for communities of a g row "
                                  f"or agencies; {_unknown(sub)}")
            _check_object(rule, obj, Sort.ROLES, sorts)
            continue
        if sub not in _TYPES and sub not in _ROLES:
            raise PolicyError(f"{rule.where}: {act} grants are for agency types (type:...) "
                              f"and roles (role:...); {_unknown(sub)}")
        if action in _KIND_ACTIONS:
            _check_object(rule, obj, Sort.KINDS, sorts)
        else:
            _check_object(rule, obj, Sort.LEVELS, sorts)
        if action is Action.AUDIT and obj != Distribution.ORIGINATOR.value:
            raise PolicyError(f"{rule.where}: audit grants take ORIGINATOR (the caller's own "
                              f"agency's records), not {obj!r}")


def _warnings(rules: list[Rule]) -> list[str]:
    grouped = {r.values[0] for r in rules if r.ptype == "g2"}
    granted = {r.values[1] for r in rules if r.ptype == "p"}
    notes = [f"record kind {kind} is in no group: nobody may read or write it"
             for kind in ALL_KIND_NAMES if kind not in grouped and kind not in granted]
    members = {r.values[0] for r in rules if r.ptype == "g"}
    notes.extend(f"agency {code} has no audience row: it sees nothing"
                 for code in AGENCY_BY_CODE if code not in members)
    return notes
