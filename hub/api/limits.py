"""Abuse limits on GraphQL documents: depth, aliases and tokens.

The validation rules are built once per schema, not per request: the validation cache is keyed
by the rule classes, so fresh classes on every request would make every validation a miss.
"""

from __future__ import annotations

from collections.abc import Callable

from graphql.validation import ASTValidationRule
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

from hub.settings import Settings


def limit_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Extension factories enforcing the settings' depth, alias and token limits."""
    rules: list[type[ASTValidationRule]] = [
        depth_rule(settings.max_query_depth, None),
        alias_rule(settings.max_aliases),
    ]
    return [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: AddValidationRules(rules),
    ]
