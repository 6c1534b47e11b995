"""CasbinPolicy: the data-sharing agreement of policies/, decided by Casbin, compiled per caller.

Casbin answers coarse questions ("may type:customs read Consignment?", "is RS-CUS in
CEFTA_CUSTOMS?"); this module asks them once per (agency, party, type, roles), compiles the
answers into :class:`Grants` (the ``$vis`` parameters, write and share rights) and caches them.
The files are re-read when they change (checked at most every ``check_every`` seconds); an
invalid edit is logged and the last good policy stays in force.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import casbin
from casbin.persist.adapter import Adapter

from hub.errors import InputError, PolicyError
from hub.model import ALL_KIND_NAMES, WIDE_LEVELS, Distribution, Sharing
from hub.policy.engine import Grants, PolicySummary
from hub.policy.files import Action, PolicySource, Rule, read_policy_dir, signature
from hub.principal import Principal, Role
from hub.reference import AGENCY_BY_CODE, PARTY_BY_CODE
from hub.visibility import Audience, Visibility

log = logging.getLogger("hub.policy")

_CASE_TOKEN = re.compile(r"^case:\S{1,200}$")
_NOBODY_AGENCY = Audience.nobody().agency


class _RulesAdapter(Adapter):  # type: ignore[misc]  # casbin ships no type hints
    """Hands Casbin the rows the hub has already read and validated (with file and line)."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._rules = rules

    def load_policy(self, model: Any) -> None:
        for rule in self._rules:
            model.add_policy(rule.ptype[:1], rule.ptype, list(rule.values))


def _nobody(agency: str, party: str, agency_type: str) -> Grants:
    none = Audience.nobody()
    return Grants(
        agency=agency, party=party, agency_type=agency_type, roles=(), communities=(),
        visibility=Visibility(records=none, personal=none, kinds=()), personal_listed=False,
        writes=frozenset(), distribute=frozenset(), audit=False,
    )


def _build_enforcer(source: PolicySource) -> Any:
    # Casbin logs every request and the whole policy at INFO and WARNING; the hub's own logs
    # say what matters, and per-request decision lines would flood an operator's log.
    logging.getLogger("casbin").setLevel(logging.ERROR)
    try:
        model = casbin.Enforcer.new_model(text=source.model_text)
        enforcer = casbin.Enforcer(model, _RulesAdapter(source.rules))
    except Exception as exc:  # casbin raises bare exceptions of many kinds for a bad model
        raise PolicyError(
            f"{source.directory / 'model.conf'}: Casbin cannot load the model: {exc}"
        ) from exc
    tokens = {sec: getattr(model.model.get(sec, {}).get(sec), "tokens", None)
              for sec in ("r", "p")}
    if tokens != {"r": ["r_sub", "r_obj", "r_act"], "p": ["p_sub", "p_obj", "p_act"]} or not {
        "g", "g2"} <= set(model.model.get("g", {})):
        raise PolicyError(
            f"{source.directory / 'model.conf'}: the hub asks (sub, obj, act) with role "
            "groupings g and g2; keep r = sub, obj, act, p = sub, obj, act, g = _, _, g2 = _, _"
        )
    try:
        enforcer.enforce("type:customs", "Consignment", "read")
    except Exception as exc:
        raise PolicyError(
            f"{source.directory / 'model.conf'}: the matcher cannot be evaluated: {exc}"
        ) from exc
    return enforcer


@dataclass(slots=True)
class _Snapshot:
    """One loaded policy: its source, its enforcer and the grants compiled from it so far."""

    source: PolicySource
    enforcer: Any
    cache: dict[tuple[str, str, str, frozenset[str]], Grants] = field(default_factory=dict)

    def allowed(self, subject: str, obj: str, act: Action) -> bool:
        return bool(self.enforcer.enforce(subject, obj, act.value))

    def memberships(self, agency: str) -> tuple[str, ...]:
        """Every community and level ``agency`` belongs to through g rows, nearest first."""
        manager = self.enforcer.get_named_role_manager("g")
        found: list[str] = []
        queue = [agency]
        while queue:
            for group in manager.get_roles(queue.pop(0)):
                if group not in found:
                    found.append(group)
                    queue.append(group)
        return tuple(found)

    def compile(self, agency: str, party: str, agency_type: str, roles: frozenset[str]) -> Grants:
        key = (agency, party, agency_type, roles)
        grants = self.cache.get(key)
        if grants is None:
            grants = self._compile(agency, party, agency_type, roles)
            self.cache[key] = grants
        return grants

    def _compile(self, agency: str, party: str, agency_type: str,
                 roles: frozenset[str]) -> Grants:
        info = AGENCY_BY_CODE.get(agency)
        # Claims that disagree with the reference data are refused, not corrected.
        if info is None or info.party != party or info.type.value != agency_type:
            return _nobody(agency, party, agency_type)
        communities = self.memberships(agency)
        if not communities:
            return _nobody(agency, party, agency_type)
        held = tuple(sorted(r for r in roles if self.allowed(agency, "role:" + r, Action.HOLD)))
        if not held:
            return _nobody(agency, party, agency_type)
        type_subject = "type:" + agency_type

        def granted(obj: str, act: Action) -> bool:
            return self.allowed(type_subject, obj, act) and any(
                self.allowed("role:" + role, obj, act) for role in held)

        levels = tuple(level.value for level in WIDE_LEVELS if level.value in communities)
        tokens = ("agency:" + agency, "party:" + party)
        records = Audience(agency=agency, parties=(party,), levels=levels, tokens=tokens)
        scopes = {level.value for level in Distribution if granted(level.value, Action.PERSONAL)}
        listed = Distribution.LISTED.value in scopes
        personal = Audience(
            agency=agency if Distribution.ORIGINATOR.value in scopes else _NOBODY_AGENCY,
            parties=(party,) if Distribution.PARTY.value in scopes else (),
            levels=tuple(level for level in levels if level in scopes),
            tokens=tokens if listed else (),
        )
        kinds = tuple(kind for kind in ALL_KIND_NAMES if granted(kind, Action.READ))
        return Grants(
            agency=agency, party=party, agency_type=agency_type, roles=held,
            communities=tuple(c for c in communities if c not in levels),
            visibility=Visibility(records=records, personal=personal, kinds=kinds),
            personal_listed=listed,
            writes=frozenset(k for k in ALL_KIND_NAMES if granted(k, Action.WRITE)),
            distribute=frozenset(level.value for level in Distribution
                                 if granted(level.value, Action.DISTRIBUTE)),
            audit=granted(Distribution.ORIGINATOR.value, Action.AUDIT),
        )


def _load(directory: Path) -> _Snapshot:
    source = read_policy_dir(directory)
    return _Snapshot(source=source, enforcer=_build_enforcer(source))


class CasbinPolicy:
    """The :class:`hub.policy.engine.PolicyEngine` over the Casbin files of ``directory``.

    Construction loads the files and raises PolicyError when they are invalid. Afterwards every
    call first checks (at most every ``check_every`` seconds) whether the files changed, and
    reloads them; an invalid edit is logged once and the last good policy stays in force.
    """

    def __init__(self, directory: Path, check_every: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._directory = directory
        self._check_every = check_every
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot = _load(directory)
        self._checked_at = clock()
        self._failed: tuple[tuple[str, int, int], ...] | None = None

    @property
    def source(self) -> PolicySource:
        """The policy in force (read-only view, for checks and reports)."""
        return self._snapshot.source

    def reload(self) -> None:
        """Re-read the files now; raises PolicyError and keeps the current policy if invalid."""
        with self._lock:
            snapshot = _load(self._directory)
            self._snapshot = snapshot  # one assignment: readers see the old or the new policy
            self._failed = None
        log.info("policy loaded from %s (%d rows)", self._directory, len(snapshot.source.rules))

    def refresh(self) -> bool:
        """Reload if the files changed since the last load; True when a new policy took effect.

        Called by every other method; checks the files' mtimes at most every ``check_every``
        seconds. A failed reload is logged (once per broken state) and never raised.
        """
        now = self._clock()
        if now - self._checked_at < self._check_every:
            return False
        self._checked_at = now
        current = signature(self._directory)
        if current in (self._snapshot.source.signature, self._failed):
            return False
        try:
            self.reload()
        except PolicyError as exc:
            self._failed = current
            log.error("policy change rejected, the last good policy stays in force: %s",
                      exc.message)
            return False
        return True

    def grants(self, principal: Principal) -> Grants:
        self.refresh()
        roles = frozenset(role.value for role in principal.roles)
        return self._snapshot.compile(principal.agency, principal.party, principal.agency_type,
                                      roles)

    def visibility(self, principal: Principal, extra_tokens: Sequence[str] = ()) -> Visibility:
        grants = self.grants(principal)
        if not extra_tokens or grants.is_nobody:
            return grants.visibility
        for token in extra_tokens:
            if not _CASE_TOKEN.match(token):
                raise InputError(f"extra audience tokens must be case:<id> tokens, not {token!r}")
        vis = grants.visibility
        extra = tuple(t for t in dict.fromkeys(extra_tokens) if t not in vis.records.tokens)
        records = replace(vis.records, tokens=vis.records.tokens + extra)
        personal = (replace(vis.personal, tokens=vis.personal.tokens + extra)
                    if grants.personal_listed else vis.personal)
        return Visibility(records=records, personal=personal, kinds=vis.kinds)

    def may_write(self, principal: Principal, kind: str) -> bool:
        return kind in self.grants(principal).writes

    def may_share(
        self,
        principal: Principal,
        record_sharing: Sharing | None,
        new_distribution: Distribution,
        new_share_with: Sequence[str],
    ) -> bool:
        for token in new_share_with:
            _check_share_token(token)
        grants = self.grants(principal)
        if grants.is_nobody:
            return False
        if record_sharing is not None and (
            record_sharing.owner_agency != principal.agency
            or record_sharing.owner_party != principal.party
        ):
            return False
        if Distribution(new_distribution).value not in grants.distribute:
            return False
        # A share list names audiences beyond the level: that is what LISTED grants.
        return not new_share_with or Distribution.LISTED.value in grants.distribute

    def may_audit(self, principal: Principal) -> bool:
        return self.grants(principal).audit

    def describe(self, agency: str, role: str) -> Grants:
        info = AGENCY_BY_CODE.get(agency)
        if info is None:
            raise InputError(f"unknown agency {agency!r}; agencies are listed in hub/reference.py")
        if role not in {r.value for r in Role}:
            raise InputError(f"unknown role {role!r}; roles are "
                             + ", ".join(r.value for r in Role))
        self.refresh()
        return self._snapshot.compile(agency, info.party, info.type.value, frozenset({role}))

    def summary(self) -> PolicySummary:
        self.refresh()
        source = self._snapshot.source
        files = Counter(Path(rule.file).name for rule in source.rules)
        actions = Counter(rule.values[2] for rule in source.rules if rule.ptype == "p")
        members = {rule.values[0] for rule in source.rules if rule.ptype == "g"}
        return PolicySummary(
            directory=str(source.directory),
            rows_by_file=tuple(sorted(files.items())),
            grants_by_action=tuple((a.value, actions[a.value]) for a in Action),
            agencies_with_audiences=sum(1 for code in AGENCY_BY_CODE if code in members),
            agencies_total=len(AGENCY_BY_CODE),
            warnings=source.warnings,
        )


def _check_share_token(token: str) -> None:
    kind, _, value = token.partition(":")
    if kind == "agency" and value in AGENCY_BY_CODE:
        return
    if kind == "party" and value in PARTY_BY_CODE:
        return
    if kind == "case" and _CASE_TOKEN.match(token):
        return
    raise InputError(
        f"share-list entry {token!r} is not agency:<known agency>, party:<known party> "
        "or case:<case id>"
    )
