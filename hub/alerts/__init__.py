"""Shared risk alerts (the RIF): raising and changing them, feedback, inbox, hit rates, events."""

from hub.alerts.bus import AlertBus
from hub.alerts.reads import AlertReads
from hub.alerts.service import Actor, AlertService

__all__ = ["Actor", "AlertBus", "AlertReads", "AlertService"]
