// Every serving process polls for alerts changed in the last seconds (hub.alerts.relay).
CREATE INDEX FOR (a:RiskAlert) ON (a.changed_at);
