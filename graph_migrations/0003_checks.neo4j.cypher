// hub.checks: risk signals by id, kind and consignment; AEO authorisations by issuing party
// (priority passage at a crossing lists the valid AEOs of the parties it may admit).
CREATE INDEX signal_id IF NOT EXISTS FOR (n:RiskSignal) ON (n.id);
CREATE INDEX signal_kind IF NOT EXISTS FOR (n:RiskSignal) ON (n.signal_kind);
CREATE INDEX signal_consignment_id IF NOT EXISTS FOR (n:RiskSignal) ON (n.consignment_id);
CREATE INDEX aeo_issuing_party IF NOT EXISTS FOR (n:AeoAuthorisation) ON (n.issuing_party);
