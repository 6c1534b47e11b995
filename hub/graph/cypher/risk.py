"""Risk targeting statements: evidence for scoring, profile maintenance, pattern candidates.

Evidence reads come in twins built from one text: ``risk.<name>`` applies ``@visible`` to every
node and edge it touches and takes the caller's ``$vis`` (the API's ``riskScore``);
``risk.<name>_system`` is the same text with the filter switched off. The ``_system`` twins are
**system tasks only** — batch scoring, model training and evaluation, the pattern rules — run by
the ``hub risk`` commands and the ingest hook, never reachable from the API, and their results
are never shown to a caller as such (pattern candidates are written back under a per-agency
visibility, see :mod:`hub.analysis.risk.patterns`).

Every pattern comprehension of a statement names its variables apart (``r1``, ``r2``...):
FalkorDB 4.16 lets a comprehension's WHERE see an earlier comprehension's variable of the same
name, which silently empties the later list.

Lookups by id anchor on ``(n:Entity {id: ...})`` in a MATCH of their own, and the far ends
carry no label (``kind`` is tested instead): with a label there, FalkorDB's planner scans that
label and joins back, which on the demo graph turned milliseconds into minutes (a ``WITH``
after the anchor keeps the planner from folding the two MATCHes back into one scan).

Neighbourhoods never pass *through* a consignment: one big declarant or carrier would otherwise
tie every consignment to every other. Intermediate nodes are parties, addresses, contacts,
vehicles, drivers, documents and AEO authorisations.
"""

from hub.graph.statements import Mode, Statement, statement

NEAR_TYPES = ("EXPORTER_OF|IMPORTER_OF|DECLARANT_OF|CARRIER_OF|TRANSPORTED_BY|DRIVEN_BY|"
              "COVERED_BY|ISSUED_TO|HOLDS|LOCATED_AT|REACHABLE_AT|SAME_AS")
"""Relationship types an alert's concern travels along (k <= 2 links)."""

_ALERT = ("a {.id, .title, .priority, .risk_type, .status, .valid_from, .valid_until,"
          " .raised_at, .withdrawn_at}")


def _twins(name: str, text: str) -> tuple[Statement, Statement]:
    """The filtered statement for callers and its unfiltered system twin."""
    return (statement("risk." + name, text),
            statement("risk." + name + "_system", text, filtered=False))


FIELDS = ("reference", "declared_at", "direction", "origin", "destination", "exit_office",
          "entry_office", "presentation_office", "owner_party", "hs_codes", "goods_description")
"""The consignment fields packed into ``fields``, in order; ``hs_codes`` comma-terminated."""

CONSIGNMENTS, CONSIGNMENTS_SYSTEM = _twins("consignments", """
    UNWIND $ids AS wanted
    MATCH (c:Consignment {id: wanted})
    WHERE @visible(c)
    RETURN c.id AS id, c.value_eur AS value_eur, c.gross_mass_kg AS gross_mass_kg,
           coalesce(c.reference, '') + '|' + coalesce(c.declared_at, '') + '|'
           + coalesce(c.direction, '') + '|' + coalesce(c.origin, '') + '|'
           + coalesce(c.destination, '') + '|' + coalesce(c.exit_office, '') + '|'
           + coalesce(c.entry_office, '') + '|' + coalesce(c.presentation_office, '') + '|'
           + coalesce(c.owner_party, '') + '|'
           + reduce(s1 = '', h IN coalesce(c.hs_codes, []) | s1 + h + ',') + '|'
           + coalesce(c.goods_description, '') AS fields,
           reduce(s2 = '', l1 IN [(c)<-[r1]-(o) WHERE @visible(r1) AND @visible(o)
                                  | r1.kind + '|' + o.id] | s2 + l1 + ';') AS links_in,
           reduce(s3 = '', l2 IN [(c)-[r2]->(x) WHERE @visible(r2) AND @visible(x)
                                  | r2.kind + '|' + x.id + '|' + coalesce(x.code, '')]
                  | s3 + l2 + ';') AS links_out
    """)
"""A consignment as three texts and two numbers: its fields (:data:`FIELDS`, ``|``-separated,
the free-text description last), its links in (``TYPE|id;``) and out (``TYPE|id|code;``).
The client decodes every returned value in Python, and the batch scorer reads thousands of
consignments a second: one text instead of forty values is most of its speed. Ids, codes and
the other fields never contain ``|`` or ``;``."""

OPERATORS, OPERATORS_SYSTEM = _twins("operators", """
    UNWIND $ids AS wanted
    MATCH (o:Operator {id: wanted})
    WHERE @visible(o)
    OPTIONAL MATCH (o)-[r1:EXPORTER_OF|IMPORTER_OF|DECLARANT_OF|CARRIER_OF]->(c:Consignment)
    WHERE @visible(r1) AND @visible(c)
    OPTIONAL MATCH (c)<-[f:OF]-(k:ControlResult)
    WHERE @visible(f) AND @visible(k)
    WITH o, min(c.declared_at) AS first_seen,
         collect(CASE WHEN k IS NULL THEN null
                      ELSE [k.id, c.id, k.controlled_at, k.outcome] END) AS controls
    RETURN o {.id, .country, first_seen: first_seen, controls: controls,
              aeo: [(o)-[h:HOLDS]->(a:AeoAuthorisation) WHERE @visible(h) AND @visible(a)
                    | a {.id, .status, .aeo_type, .valid_from, .valid_until, .status_history}],
              co_located: size([(o)-[l1:LOCATED_AT]->(ad)<-[l2:LOCATED_AT]-(o4)
                                WHERE o4.id <> o.id AND @visible(l1) AND @visible(ad)
                                  AND @visible(l2) AND @visible(o4) | 1]),
              co_reachable: size([(o)-[m1:REACHABLE_AT]->(ct)<-[m2:REACHABLE_AT]-(o5)
                                  WHERE o5.id <> o.id AND @visible(m1) AND @visible(ct)
                                    AND @visible(m2) AND @visible(o5) | 1])} AS o
    """)
"""An operator: its first declaration and the controls of its consignments (one pass over
them, aggregated), its AEO authorisations, how many operators share its addresses/contacts."""

LPCOS, LPCOS_SYSTEM = _twins("lpcos", """
    UNWIND $ids AS wanted
    MATCH (l:Lpco {id: wanted})
    WHERE @visible(l)
    RETURN l {.id, .number, .lpco_type, .status, .status_changed_at, .issued_at, .valid_until,
              .hs_codes, .quantity, .quantity_unit,
              holders: [(l)-[r1:ISSUED_TO]->(o:Operator)
                        WHERE @visible(r1) AND @visible(o) | o.id],
              same_as: [(l)-[r3:ISSUED_TO]->(o2:Operator)-[s:SAME_AS]-(o3:Operator)
                        WHERE coalesce(s.status, '') <> 'rejected' AND @visible(r3)
                          AND @visible(o2) AND @visible(s) AND @visible(o3) | o3.id],
              uses: [(c:Consignment)-[r2:COVERED_BY]->(l) WHERE @visible(r2) AND @visible(c)
                     | [c.id, c.declared_at, c.direction, r2.quantity]]} AS l
    """)
"""A document with what the LPCO rules (hub.checks.lpco_rules) read: its holders (and their
SAME_AS twins) and every consignment presenting it (when, which direction, how much)."""

NEIGHBOURS, NEIGHBOURS_SYSTEM = _twins("neighbours", """
    UNWIND $ids AS wanted
    MATCH (n:Entity {id: wanted})
    MATCH (n)-[r:%s]-(m)
    WHERE m.kind <> 'Consignment' AND (r.kind <> 'SAME_AS' OR coalesce(r.status, '') <> 'rejected')
      AND @visible(n) AND @visible(r) AND @visible(m)
    RETURN wanted AS id, m.id AS neighbour, m.kind AS kind
    """ % NEAR_TYPES)

ALERTS_ON = statement("risk.alerts_on", """
    UNWIND $ids AS wanted
    MATCH (x:Entity {id: wanted})
    WITH wanted, x
    MATCH (a)-[k:CONCERNS]->(x)
    WHERE a.kind = 'RiskAlert' AND @visible(x) AND @visible(k) AND @visible(a)
    RETURN wanted AS id, x.kind AS kind, k.ingested_at AS linked_at, %s AS a
    """ % _ALERT)

ALERT_TARGETS_SYSTEM = statement("risk.alert_targets_system", """
    MATCH (a:RiskAlert)-[k:CONCERNS]->(x:Entity)
    RETURN x.id AS id, x.kind AS kind, k.ingested_at AS linked_at, %s AS a
    """ % _ALERT, filtered=False)

_SIGNAL = ("s {.id, .signal_kind, .severity, .check, .reason, .consignment_id, .record_ids,"
           " .observed_at}")

SIGNALS_ON = statement("risk.signals_on", """
    UNWIND $ids AS wanted
    MATCH (x:Entity {id: wanted})
    WITH wanted, x
    MATCH (s)-[b:ABOUT]->(x)
    WHERE s.kind = 'RiskSignal' AND s.status = 'open'
      AND @visible(x) AND @visible(b) AND @visible(s)
    RETURN wanted AS id, x.kind AS kind, %s AS s
    """ % _SIGNAL)
"""Open risk signals (hub.checks) about the given consignments, parties and documents."""

SIGNAL_TARGETS_SYSTEM = statement("risk.signal_targets_system", """
    MATCH (s:RiskSignal)-[b:ABOUT]->(x:Entity)
    WHERE s.status = 'open' AND x.kind IN ['Consignment', 'Operator', 'Lpco']
    RETURN x.id AS id, x.kind AS kind, %s AS s
    """ % _SIGNAL, filtered=False)
"""Every open signal about a consignment, an operator or a document: the batch scorer's index."""

PROFILES, PROFILES_SYSTEM = _twins("profiles", """
    MATCH (p:RiskProfile)
    WHERE p.status = 'active' AND @visible(p)
    WITH p ORDER BY p.id
    RETURN p {.id, .name, .criteria, .weight, .version, .status, .valid_from, .valid_until} AS p
    """)

CONSIGNMENT_IDS_SYSTEM = statement("risk.consignment_ids_system", """
    MATCH (c:Consignment)
    RETURN c.id AS id
    """, filtered=False)
"""Every consignment id at once (about 100 bytes each): sorting the whole label for every
keyset page cost the batch scorer more than reading the ids."""

# ---- profile maintenance (the caller's own agency only) ---------------------------------------

PROFILE_CLASH = statement("risk.profile_clash", """
    MATCH (p:RiskProfile)
    WHERE p.owner_agency = $agency AND (p.id = $id OR p.name = $name)
    RETURN p.id AS id, p.name AS name
    """)

UPDATE_PROFILE = statement("risk.update_profile", """
    MATCH (p:RiskProfile {id: $id})
    WHERE p.owner_agency = $agency AND p.owner_party = $party AND p.version = $expected
    SET p += $props
    RETURN p.id AS id
    """, Mode.WRITE)

# ---- feedback for the learned model (system tasks: training and evaluation) --------------------

CONTROL_OUTCOMES_SYSTEM = statement("risk.control_outcomes_system", """
    MATCH (k:ControlResult)-[f:OF]->(c:Consignment)
    RETURN c.id AS id, k.outcome AS outcome
    """, filtered=False)

# ---- pattern rules: run under one agency's visibility, they raise candidates for it -----------

PATTERN_SHARED_ADDRESS_SEIZURE = statement("risk.pattern.shared_address_seizure", """
    MATCH (k:ControlResult)
    WHERE k.outcome = 'seizure' AND k.controlled_at >= $since AND k.controlled_at <= $until
      AND @visible(k)
    MATCH (k)-[f:OF]->(c:Consignment)<-[r:EXPORTER_OF|IMPORTER_OF]-(s:Operator)
    WHERE @visible(f) AND @visible(c) AND @visible(r) AND @visible(s)
    MATCH (s)-[l1:LOCATED_AT]->(a:Address)<-[l2:LOCATED_AT]-(o:Operator)
    WHERE o.id <> s.id AND @visible(l1) AND @visible(a) AND @visible(l2) AND @visible(o)
    WITH o, collect(DISTINCT s.id) AS seized, collect(DISTINCT k.id) AS controls,
         collect(DISTINCT a.id) AS addresses
    RETURN o.id AS subject, 'Operator' AS kind, seized + controls + addresses AS evidence
    ORDER BY subject
    """)
"""Operators sharing an address with an operator whose consignment was seized in the window."""

PATTERN_RING_VEHICLE: dict[str, Statement] = {
    label: statement("risk.pattern.ring_vehicle." + label, """
    MATCH (g:`%s`)-[i:INCLUDES|CONCERNS]->(o:Operator)
    WHERE (g.kind = 'Case' OR NOT coalesce(g.status, '') IN $inactive)
      AND @visible(g) AND @visible(i) AND @visible(o)
    MATCH (o)-[p:EXPORTER_OF|IMPORTER_OF|CARRIER_OF]->(c:Consignment)
          -[t:TRANSPORTED_BY]->(v:Vehicle)
    WHERE c.declared_at >= $since AND c.declared_at <= $until
      AND @visible(p) AND @visible(c) AND @visible(t) AND @visible(v)
    WITH g, v, collect(DISTINCT o.id) AS operators, collect(DISTINCT c.id) AS consignments
    WHERE size(operators) >= 2
    RETURN v.id AS subject, 'Vehicle' AS kind, [g.id] + operators + consignments AS evidence
    ORDER BY subject
    """ % label)
    for label in ("Case", "RiskAlert")
}
"""Vehicles that carried, in the window, consignments of two operators of one known group: an
RMTT case, or an alert in force that concerns several operators."""

PATTERN_LPCO_OVERUSE = statement("risk.pattern.lpco_overuse", """
    MATCH (l:Lpco)<-[u:COVERED_BY]-(c:Consignment)
    WHERE c.declared_at >= $since AND c.declared_at <= $until
      AND @visible(l) AND @visible(u) AND @visible(c)
    WITH l, collect(DISTINCT c.id) AS consignments
    WHERE size(consignments) > CASE WHEN toLower(coalesce(l.lpco_type, '')) CONTAINS 'certificate'
                                    THEN 1 ELSE $max_uses END
    RETURN l.id AS subject, 'Lpco' AS kind, consignments AS evidence
    ORDER BY subject
    """)
"""Documents presented more often than plausible in the window: a certificate (one shipment
each) with two consignments or more, any other document more than ``$max_uses`` times."""

EXISTING_SYSTEM = statement("risk.existing_system", """
    UNWIND $ids AS wanted
    MATCH (n:Entity {id: wanted})
    RETURN n.id AS id
    """, filtered=False)
"""Which candidate ids exist already (system task: the ids are the pattern runner's own)."""
