// hub.checks: risk signals by id, kind and consignment; AEO authorisations by issuing party
// (priority passage at a crossing lists the valid AEOs of the parties it may admit).
CREATE INDEX FOR (n:RiskSignal) ON (n.id);
CREATE INDEX FOR (n:RiskSignal) ON (n.signal_kind);
CREATE INDEX FOR (n:RiskSignal) ON (n.consignment_id);
CREATE INDEX FOR (n:AeoAuthorisation) ON (n.issuing_party);
