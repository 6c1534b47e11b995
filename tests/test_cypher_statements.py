"""Every Cypher statement the hub sends, checked offline as a Neo4j 5 server would check it.

Neo4j's own Cypher 5 analyser (npm ``@neo4j-cypher/language-support``, driven by
``tools/cypher_lint.mjs`` in one node process) checks syntax, semantics, functions, procedures
and ``$parameters``; a static check adds the constructs CYPHER.md rules out because FalkorDB
lacks them (the analyser cannot know). FalkorDB execution of every statement is enforced by the
statement-coverage check in ``conftest.py``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hub.graph.migrations import discover
from hub.graph.statements import Mode, Statement, all_statements
from hub.model import ENTITY_LABEL, NODE_KINDS, REL_KINDS

ROOT = Path(__file__).resolve().parents[1]
LINTER = ROOT / "tools" / "cypher_lint.mjs"
PACKAGE = ROOT / "node_modules" / "@neo4j-cypher" / "language-support" / "package.json"
CACHE = ROOT / "node_modules" / ".cache" / "cypher-lint" / "results.json"

# Labels and types outside the domain model are known when some registered statement writes them
# (the hub's bookkeeping: migrations, audit...). The analyser gets the model's names plus those and
# reports any other as an error: a misspelt label matches nothing, silently.
_WRITE_CLAUSE = re.compile(
    r"\b(?:MERGE|CREATE)\b(.*?)(?=\b(?:MATCH|OPTIONAL|WITH|RETURN|UNWIND|WHERE|MERGE|CREATE|SET|"
    r"DELETE|DETACH|REMOVE|FOREACH|CALL|ON)\b|$)|\bSET\s+\w+((?:\s*:\s*(?:`[^`]+`|\w+))+)",
    re.IGNORECASE | re.DOTALL,
)
_PATTERN_NAMES = re.compile(r"([(\[])\s*\w*\s*((?::\s*(?:`[^`]+`|\w+)\s*)+)")
_NAME = re.compile(r"`([^`]+)`|(\w+)")


def written_names(statements: Iterable[Statement]) -> tuple[set[str], set[str]]:
    """Labels and relationship types that the WRITE statements create (MERGE, CREATE, SET n:L)."""
    labels: set[str] = set()
    types: set[str] = set()
    for statement in statements:
        if statement.mode is not Mode.WRITE:
            continue
        for clause in _WRITE_CLAUSE.finditer(statement.text):
            if clause.group(2) is not None:
                labels.update(a or b for a, b in _NAME.findall(clause.group(2)))
                continue
            for bracket, names in _PATTERN_NAMES.findall(clause.group(1)):
                found = {a or b for a, b in _NAME.findall(names)}
                (labels if bracket == "(" else types).update(found)
    return labels, types


# Analyser warnings the hub accepts, by message prefix. Empty: a deprecation or a warning about an
# unbounded path is a bug to fix now, not on the day Neo4j removes the feature.
ACCEPTED_WARNINGS: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    name: str
    severity: int
    message: str
    line: int
    column: int
    excerpt: str

    def __str__(self) -> str:
        kind = "error" if self.severity == 1 else "warning"
        where = f"{self.name} {self.line}:{self.column}"
        return f"{where} {kind}: {self.message}\n    at: {self.excerpt}"


def lint(entries: Iterable[Mapping[str, Any]], *, closed_schema: bool = True,
         cache: bool = True) -> dict[str, list[Finding]]:
    """Run the analyser once over ``entries`` ({name, text, params}); findings by name.

    Fails the test (never skips) when node or the npm package is missing: CI installs both with
    ``make setup``, so their absence is a broken setup, not an optional feature.
    """
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the Cypher check needs Node.js >= 20 (see README)")
    if not PACKAGE.exists():
        pytest.fail("@neo4j-cypher/language-support is not installed: run `make setup` "
                    "(it runs `npm install`)")
    entries = list(entries)
    payload: dict[str, Any] = {"statements": entries}
    if closed_schema:
        labels, types = written_names(hub_statements().values())
        payload["labels"] = sorted({ENTITY_LABEL, *(k.label for k in NODE_KINDS), *labels})
        payload["relationshipTypes"] = sorted({*(k.type for k in REL_KINDS), *types})
    command = [node, str(LINTER)] + (["--cache", str(CACHE)] if cache else [])
    done = subprocess.run(command, input=json.dumps(payload), capture_output=True, text=True,
                          cwd=ROOT, timeout=600, check=False)
    if done.returncode != 0:
        pytest.fail(f"tools/cypher_lint.mjs failed ({done.returncode}): {done.stderr.strip()}")
    results = json.loads(done.stdout)
    assert [r["name"] for r in results] == [e["name"] for e in entries]
    return {
        r["name"]: [Finding(r["name"], d["severity"], d["message"], d["line"], d["column"],
                            d["excerpt"]) for d in r["diagnostics"]]
        for r in results
    }


def _entry(name: str, statement: Statement) -> dict[str, Any]:
    return {"name": name, "text": statement.text, "params": list(statement.params)}


def hub_statements() -> dict[str, Statement]:
    """The registered statements, without the helpers tests declare for themselves."""
    return {name: s for name, s in all_statements().items() if not name.startswith("tests.")}


def migration_entries() -> list[dict[str, Any]]:
    return [
        {"name": f"{m.path.name} statement {number}", "text": text, "params": []}
        for m in discover("neo4j")
        for number, text in enumerate(m.statements, start=1)
    ]


def _blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings
            if f.severity == 1 or not any(f.message.startswith(p) for p in ACCEPTED_WARNINGS)]


def test_every_hub_statement_and_neo4j_migration_passes_the_cypher5_analyser() -> None:
    entries = [_entry(n, s) for n, s in sorted(hub_statements().items())] + migration_entries()
    assert len(entries) > 50, "the statement registry looks empty"
    problems = [f for findings in lint(entries).values() for f in _blocking(findings)]
    assert not problems, (
        f"{len(problems)} problem(s) found by Neo4j's Cypher 5 analyser (fix the statement; see "
        "CYPHER.md; a label or type outside hub/model.py is known once a statement writes it):\n"
        + "\n".join(map(str, problems))
    )


# ---- the analyser must catch what it is here to catch --------------------------------------------

KNOWN_BAD = {
    "unfinished expression": ("MATCH (n:Entity) RETURN n.x +", [], "Invalid input"),
    "EXISTS misuse": ("MATCH (n:Entity) WHERE EXISTS {} RETURN n {.id} AS n", [], "EXISTS"),
    "undeclared parameter": ("MATCH (n:Entity {id: $nope}) RETURN n {.id} AS n", ["id"],
                             "Parameter $nope is not defined"),
    "unknown function": ("MATCH (n:Entity) RETURN normalise(n.name) AS x", [],
                         "Function normalise is not present"),
    "plugin function": ("MATCH (n:Entity) RETURN apoc.text.clean(n.name) AS x", [],
                        "Function apoc.text.clean is not present"),
    "FalkorDB procedure": ("CALL db.idx.fulltext.queryNodes('Operator', $q) YIELD node "
                           "RETURN node.id AS id", ["q"],
                           "Procedure db.idx.fulltext.queryNodes is not present"),
    "undefined variable": ("MATCH (n:Entity) RETURN m {.id} AS m", [], "Variable `m` not defined"),
    "colon type alternation": ("MATCH p = (a:Entity)-[:HOLDS|:LOCATED_AT*1..2]->(b:Entity) "
                               "RETURN length(p) AS hops", [], "colon"),
    "misspelt label": ("MATCH (n:Opertor) RETURN n {.id} AS n", [], "Label Opertor"),
    "misspelt type": ("MATCH (:Operator)-[r:LOCATED]->(:Address) RETURN count(r) AS n", [],
                      "Relationship type LOCATED"),
    "two statements": ("MATCH (n:Entity) RETURN n {.id} AS n; MATCH (m:Entity) DETACH DELETE m",
                       [], "exactly one statement"),
    "deprecated function": ("MATCH (n:Entity) RETURN id(n) AS i", [], "deprecated"),
    "aggregation in WHERE": ("MATCH (n:Entity) WHERE count(n) > 1 RETURN n {.id} AS n", [],
                             "aggregat"),
}

KNOWN_GOOD = {
    "lookup by id": ("MATCH (n:Entity {id: $id}) WHERE n.kind IN $vis.kinds "
                     "RETURN n {.id, .name} AS n", ["id", "vis"]),
    # The analyser knows Neo4j only: datetime() is fine there. The static check below rules it out.
    "datetime": ("RETURN datetime() AS now", []),
    "spliced label": ("MATCH (n:`Operator` {id: $id}) RETURN n {.id} AS n", ["id"]),
    "full-text on Neo4j": ("CALL db.index.fulltext.queryNodes('operator_search', $q) "
                           "YIELD node, score RETURN node {.id} AS n, score", ["q"]),
}


@pytest.fixture(scope="module")
def known_cases() -> dict[str, list[Finding]]:
    # One node process for all the cases. The cache is keyed on the package version and the lint
    # script, so any change to either re-runs the analyser on these cases.
    entries = [{"name": name, "text": text, "params": params}
               for name, (text, params, _) in KNOWN_BAD.items()]
    entries += [{"name": name, "text": text, "params": params}
                for name, (text, params) in KNOWN_GOOD.items()]
    entries += [{"name": f"shape {label}", "text": f"MATCH (n:`{label}`) RETURN n {{.id}} AS n",
                 "params": []} for label in ("Operator", "Address", "Adress")]
    return lint(entries)


@pytest.mark.parametrize("case", sorted(KNOWN_BAD))
def test_the_analyser_reports_known_bad_statements(case: str,
                                                   known_cases: dict[str, list[Finding]]) -> None:
    expected = KNOWN_BAD[case][2]
    blocking = _blocking(known_cases[case])
    assert blocking, f"{case}: the analyser found nothing wrong with {KNOWN_BAD[case][0]!r}"
    assert any(expected.lower() in f.message.lower() for f in blocking), (
        f"{case}: expected a problem mentioning {expected!r}, got "
        + "; ".join(f.message for f in blocking)
    )


@pytest.mark.parametrize("case", sorted(KNOWN_GOOD))
def test_the_analyser_accepts_good_statements(case: str,
                                              known_cases: dict[str, list[Finding]]) -> None:
    assert known_cases[case] == []


def test_shapes_are_shared_only_across_spliced_labels(
    known_cases: dict[str, list[Finding]],
) -> None:
    # Statements differing only in a spliced model label share one verdict; a backticked label
    # outside the model is not treated as spliced and is still reported.
    assert known_cases["shape Operator"] == []
    assert known_cases["shape Address"] == []
    assert [f.message.split(" is ")[0] for f in known_cases["shape Adress"]] == ["Label `Adress`"]


# ---- constructs the analyser accepts but FalkorDB does not (CYPHER.md) ---------------------------

@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    advice: str


def _rule(name: str, pattern: str, advice: str) -> Rule:
    return Rule(name, re.compile(pattern, re.IGNORECASE), advice)


NON_PORTABLE = (
    _rule("EXISTS subquery", r"\bEXISTS\s*\{", "use a pattern predicate in WHERE"),
    _rule("COUNT subquery", r"\bCOUNT\s*\{", "use size([(n)-->() | 1])"),
    _rule("COLLECT subquery", r"\bCOLLECT\s*\{", "use a pattern comprehension"),
    _rule("exists() function", r"(?<![\w.])exists\s*\(", "use n.p IS NOT NULL or a pattern"),
    _rule("size() of a pattern", r"\bsize\s*\(\s*\(", "use size([(n)-->() | 1])"),
    _rule("elementId()", r"\belementId\s*\(", "use the application id property"),
    _rule("id()", r"(?<![\w.$])id\s*\(", "use the application id property"),
    _rule("datetime", r"(?<![\w.])datetime\s*[.(]", "pass epoch milliseconds computed in Python"),
    _rule("shortestPath in MATCH", r"\bMATCH\s+(?:\w+\s*=\s*)?shortestPath\s*\(",
          "MATCH both ends, then WITH a, b, shortestPath((a)-[:T*..k]->(b)) AS p"),
    _rule("colon type alternation", r"\[[^\]]*\|\s*:", "write [:A|B], not [:A|:B]"),
    _rule("label expression", r"\(\s*\w*\s*:\s*(?:`[^`]+`|\w+)\s*[|&]|:\s*!",
          "use n:A OR n:B, or a label list parameter"),
    _rule("regular expression", r"=~", "match in Python"),
    _rule("|| concatenation", r"\|\|", "use +"),
    _rule("lower()/upper()/btrim()", r"(?<![\w.])(?:lower|upper|btrim)\s*\(",
          "use toLower/toUpper/trim"),
    _rule("CASE x WHEN null", r"\bWHEN\s+null\b", "use CASE WHEN x IS NULL"),
)


def non_portable(text: str) -> list[Rule]:
    """The CYPHER.md rules ``text`` breaks (string literals are not exempt: keep them plain)."""
    return [rule for rule in NON_PORTABLE if rule.pattern.search(text)]


def test_no_statement_uses_constructs_falkordb_lacks() -> None:
    problems = [
        f"{name}: {rule.name} ({rule.advice})"
        for name, statement in sorted(hub_statements().items())
        for rule in non_portable(statement.text)
    ]
    assert not problems, "non-portable Cypher (see CYPHER.md):\n" + "\n".join(problems)


@pytest.mark.parametrize(("text", "rule"), [
    ("MATCH (n) WHERE EXISTS { (n)-->() } RETURN 1", "EXISTS subquery"),
    ("MATCH (n) RETURN COUNT { (n)-->() } AS c", "COUNT subquery"),
    ("MATCH (n) RETURN elementId(n) AS i", "elementId()"),
    ("MATCH (n) RETURN id(n) AS i", "id()"),
    ("MATCH (n) RETURN ID (n) AS i", "id()"),
    ("RETURN datetime() AS t", "datetime"),
    ("RETURN datetime.fromepochmillis($t) AS t", "datetime"),
    ("MATCH p = shortestPath((a)-[:T*..3]->(b)) RETURN p", "shortestPath in MATCH"),
    ("MATCH (a)-[:A|:B*1..2]->(b) RETURN b", "colon type alternation"),
    ("MATCH (n:Operator|Address) RETURN n", "label expression"),
    ("MATCH (n:!Operator) RETURN n", "label expression"),
    ("MATCH (n) WHERE n.name =~ 'A.*' RETURN n", "regular expression"),
    ("MATCH (n) RETURN n.a || n.b AS x", "|| concatenation"),
    ("MATCH (n) RETURN lower(n.name) AS x", "lower()/upper()/btrim()"),
    ("MATCH (n) RETURN CASE n.x WHEN null THEN 1 END AS x", "CASE x WHEN null"),
    ("MATCH (n) WHERE exists(n.name) RETURN n", "exists() function"),
])
def test_the_static_check_reports_known_non_portable_text(text: str, rule: str) -> None:
    assert rule in [r.name for r in non_portable(text)]


@pytest.mark.parametrize("text", [
    "MATCH (n:Entity {id: $id}) RETURN n {.id, .name} AS n",
    "MATCH (a {id: $a}) MATCH (b {id: $b}) WITH a, b, shortestPath((a)-[:T*..6]->(b)) AS p "
    "RETURN length(p) AS hops",
    "MATCH p = (a)-[:A|B*1..3]->(b) RETURN [x IN nodes(p) | x.id] AS ids",
    "MATCH (n) RETURN toLower(n.name) + ' ' + localdatetime() AS x, n.valid_until AS v",
    "MATCH (n) WHERE n.id IN $ids AND (n:Operator OR n:Address) RETURN size([(n)-->() | 1]) AS d",
])
def test_the_static_check_accepts_portable_text(text: str) -> None:
    assert non_portable(text) == []
