"""Control results fed back to the hub: controls triggered by an alert or a profile hit, and
phytosanitary interceptions that raise a new alert."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hub.demo.goods import PESTS, Goods
from hub.demo.intelligence import (
    SPS,
    AlertDraft,
    AlertRef,
    Intel,
    ProfileRef,
    alert_sharing,
    concerns,
    write_alert,
)
from hub.demo.records import Chunk, agency_of, sharing
from hub.demo.scales import DAY_MS, epoch_ms, instant
from hub.demo.truth import GroundTruth, Interception
from hub.model import Distribution, Sharing, stable_id

HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class Inspected:
    """What the control found out about one consignment."""

    cons_id: str
    reference: str
    goods: Goods  # what is really in the truck
    declared: Goods  # what the declaration says
    origin: str
    declarer: str
    exporter_id: str
    office: str
    at: int
    mass: int
    per_kg: float
    irregular: bool
    undervalued: bool
    misdeclared: bool
    reused_certificate: str | None


class ControlWriter:
    def __init__(self, rng: random.Random, intel: Intel, truth: GroundTruth) -> None:
        self.rng, self.intel, self.truth = rng, intel, truth

    def interception(self, chunk: Chunk, item: Inspected, destination: str) -> None:
        """A harmful organism found at import; detected seven times in ten where the importing
        party has a phytosanitary inspection in the hub."""
        rng = self.rng
        inspector = agency_of(destination, "PHY")
        if not inspector.endswith("PHY") or rng.random() > 0.7:
            return
        pest = rng.choice(PESTS[item.declared.hs])
        outcome = "seizure" if rng.random() < 0.4 else "irregularity"
        at = item.at + HOUR_MS
        share = sharing(inspector, Distribution.CEFTA_AGENCIES)
        lab = "aflatoxin" in pest.lower() or "virus" in pest.lower()
        control_id = self._result(
            chunk, item, share, at, control_type="laboratory" if lab else "physical",
            outcome=outcome, findings=f"Harmful organism intercepted: {pest}",
            seized="consignment destroyed under official supervision")
        profile = self._profile(item)
        if profile is not None:
            chunk.edge("FEEDBACK_ON", control_id, profile.id, share, share.owner_agency, at)
        alert_id = None
        if self.intel.alerts_left > 0:
            self.intel.alerts_left -= 1
            alert = write_alert(chunk, rng, self.intel, AlertDraft(
                owner=inspector,
                share=alert_sharing(rng, inspector, Distribution.CEFTA_AGENCIES),
                title=f"Interception: {pest} in {item.declared.description.lower()} from "
                f"{item.origin}", domain=SPS, risk_type="harmful_organism",
                hs_codes=(item.declared.hs,), origins=(item.origin,),
                operators=(item.exporter_id,),
                description=f"{pest} found at import inspection; reinforce checks on this "
                "exporter and commodity.",
                days_before=(epoch_ms(0) - at - HOUR_MS) / DAY_MS))
            concerns(chunk, alert, item.cons_id, at)
            concerns(chunk, alert, item.exporter_id, at)
            alert_id = alert.id
        self.truth.phyto_interceptions.append(
            Interception(item.cons_id, control_id, alert_id, pest))

    def _profile(self, item: Inspected) -> ProfileRef | None:
        for profile in self.intel.profiles_by_hs4.get(item.declared.hs[:4], ()):
            if not profile.origins or item.origin in profile.origins:
                return profile
        return None

    def control(self, chunk: Chunk, item: Inspected, alert: AlertRef | None, channel: str,
                share: Sharing) -> None:
        """A red-channel control on an alert or profile hit, and its shared feedback.

        An alert is linked (CONCERNS) to the consignments it is about, also earlier ones an
        analyst traced back; a control gives feedback only on an alert raised before it."""
        rng = self.rng
        profile = self._profile(item)
        if alert is not None and (item.misdeclared or item.undervalued
                                  or rng.random() < (0.3 if alert.specific else 0.01)):
            concerns(chunk, alert, item.cons_id, item.at)
        if alert is not None and alert.raised > item.at:
            alert = None
        if channel != "red" or (alert is None and profile is None):
            return
        if rng.random() > (0.9 if alert is not None else 0.5):
            return
        if item.irregular:
            outcome = rng.choices(("seizure", "irregularity", "no_irregularity"), (30, 55, 15))[0]
        else:
            outcome = rng.choices(("irregularity", "no_irregularity"), (10, 90))[0]
        findings = self._findings(item, outcome)
        owner = share.owner_agency
        if alert is not None and alert.owner != owner:
            result_share = sharing(owner, Distribution.LISTED, (f"agency:{alert.owner}",))
        else:
            result_share = sharing(owner, Distribution.CEFTA_CUSTOMS)
        at = item.at + 2 * HOUR_MS
        control_id = self._result(
            chunk, item, result_share, at,
            control_type=rng.choice(("physical", "physical", "scan", "documentary", "sampling")),
            outcome=outcome, findings=findings, seized=item.goods.description)
        target = alert.id if alert is not None else profile.id if profile is not None else None
        if target is not None:
            chunk.edge("FEEDBACK_ON", control_id, target, result_share, owner, at)

    def _result(self, chunk: Chunk, item: Inspected, share: Sharing, at: int, *,
                control_type: str, outcome: str, findings: str, seized: str) -> str:
        """Write a ControlResult and its OF edge the way ``hub.alerts`` records a control
        report (id from the agency's reference; seizure details only with a seizure)."""
        agency = share.owner_agency
        reference = f"CTRL/{item.reference}"
        control_id = stable_id("ControlResult", agency, "ref", reference)
        props: dict[str, object] = {
            "control_type": control_type, "controlled_at": instant(at), "office": item.office,
            "outcome": outcome, "findings": findings, "reference": reference}
        if outcome == "seizure":
            props.update(seizure=f"SZ/{item.reference}", seized_goods=seized,
                         quantity=float(item.mass), quantity_unit="kg",
                         value_eur=round(item.mass * item.goods.norm_eur_kg, 2))
        chunk.node("ControlResult", control_id, props, share, f"{agency}/{reference}", at)
        chunk.edge("OF", control_id, item.cons_id, share, f"{agency}/{reference}", at)
        return control_id

    def _findings(self, item: Inspected, outcome: str) -> str:
        if outcome == "no_irregularity":
            return "No irregularity found"
        if item.misdeclared:
            return (f"Goods found: {item.goods.description.lower()}; declared HS "
                    f"{item.declared.hs} reclassified to {item.goods.hs}")
        if item.undervalued:
            return (f"Declared value {item.per_kg:.2f} EUR/kg against a reference value of "
                    f"{item.declared.norm_eur_kg:.2f} EUR/kg; customs value adjusted")
        if item.reused_certificate is not None:
            return f"Certificate {item.reused_certificate} had expired; used again"
        return "Documents incomplete; corrected on the spot"
