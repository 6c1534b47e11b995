// The audit chain is read in sequence order (verify, the originators' access log).
CREATE INDEX FOR (e:AuditEntry) ON (e.seq);
