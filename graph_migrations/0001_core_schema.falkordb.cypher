// Core schema for FalkorDB: the index on every node's stable id,
// a range index for every lookup the API makes, full-text indexes for names.
CREATE INDEX FOR (n:Entity) ON (n.id);
// Uniqueness of Entity.id: every write MERGEs on the indexed id and FalkorDB runs writes one at
// a time, so no duplicate can arise. No GRAPH.CONSTRAINT here: FalkorDB 4.16 replays it from the
// AOF on restart, fails with "Constraint already exists" and stops loading.
CREATE INDEX FOR (n:Party) ON (n.id);
CREATE INDEX FOR (n:Party) ON (n.code);
CREATE INDEX FOR (n:Agency) ON (n.id);
CREATE INDEX FOR (n:Agency) ON (n.code);
CREATE INDEX FOR (n:BorderCrossingPoint) ON (n.id);
CREATE INDEX FOR (n:BorderCrossingPoint) ON (n.code);
CREATE INDEX FOR (n:Operator) ON (n.id);
CREATE INDEX FOR (n:Operator) ON (n.tax_id);
CREATE INDEX FOR (n:Operator) ON (n.eori);
CREATE INDEX FOR (n:Operator) ON (n.country);
CREATE INDEX FOR (n:Address) ON (n.id);
CREATE INDEX FOR (n:Address) ON (n.key);
CREATE INDEX FOR (n:Address) ON (n.city);
CREATE INDEX FOR (n:Contact) ON (n.id);
CREATE INDEX FOR (n:Contact) ON (n.key);
CREATE INDEX FOR (n:Vehicle) ON (n.id);
CREATE INDEX FOR (n:Vehicle) ON (n.plate);
CREATE INDEX FOR (n:Person) ON (n.id);
CREATE INDEX FOR (n:Consignment) ON (n.id);
CREATE INDEX FOR (n:Consignment) ON (n.reference);
CREATE INDEX FOR (n:Consignment) ON (n.declared_at);
CREATE INDEX FOR (n:Consignment) ON (n.origin);
CREATE INDEX FOR (n:Lpco) ON (n.id);
CREATE INDEX FOR (n:Lpco) ON (n.number);
CREATE INDEX FOR (n:Lpco) ON (n.status);
CREATE INDEX FOR (n:AeoAuthorisation) ON (n.id);
CREATE INDEX FOR (n:AeoAuthorisation) ON (n.number);
CREATE INDEX FOR (n:AeoAuthorisation) ON (n.status);
CREATE INDEX FOR (n:RiskAlert) ON (n.id);
CREATE INDEX FOR (n:RiskAlert) ON (n.status);
CREATE INDEX FOR (n:RiskAlert) ON (n.risk_domain);
CREATE INDEX FOR (n:ControlResult) ON (n.id);
CREATE INDEX FOR (n:ControlResult) ON (n.outcome);
CREATE INDEX FOR (n:ControlResult) ON (n.controlled_at);
CREATE INDEX FOR (n:RiskProfile) ON (n.id);
CREATE INDEX FOR (n:RiskProfile) ON (n.status);
CREATE INDEX FOR (n:Case) ON (n.id);
CREATE INDEX FOR (n:Case) ON (n.status);
CALL db.idx.fulltext.createNodeIndex('BorderCrossingPoint', 'name');
CALL db.idx.fulltext.createNodeIndex('Operator', 'name', 'name_latin');
CALL db.idx.fulltext.createNodeIndex('Address', 'text');
CALL db.idx.fulltext.createNodeIndex('Consignment', 'goods_description');
CALL db.idx.fulltext.createNodeIndex('RiskAlert', 'title', 'description');
CALL db.idx.fulltext.createNodeIndex('Case', 'title');
