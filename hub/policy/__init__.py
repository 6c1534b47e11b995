"""Access control: the sharing policy (Casbin) compiled into visibility, and the audit trail."""

from hub.policy.enforcer import CasbinPolicy
from hub.policy.engine import Grants, PolicyEngine, PolicySummary

__all__ = ["CasbinPolicy", "Grants", "PolicyEngine", "PolicySummary"]
