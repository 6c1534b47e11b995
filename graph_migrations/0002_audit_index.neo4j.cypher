// The audit chain is read in sequence order (verify, the originators' access log).
CREATE INDEX audit_entry_seq IF NOT EXISTS FOR (e:AuditEntry) ON (e.seq);
