// Every serving process polls for alerts changed in the last seconds (hub.alerts.relay).
CREATE INDEX risk_alert_changed_at IF NOT EXISTS FOR (a:RiskAlert) ON (a.changed_at);
