"""One place that turns exceptions into GraphQL errors with a stable ``extensions.code``.

HubErrors keep their message (written to be safe to show); anything else becomes
"internal error" with nothing internal leaked, and is logged with its type only.
"""

from __future__ import annotations

import logging

from graphql.error import GraphQLError

from hub.errors import HubError

log = logging.getLogger("hub.api")


def public_error(error: GraphQLError) -> GraphQLError:
    """The error as the client may see it."""
    original = error.original_error
    if original is None:
        # Syntax and validation errors describe the client's own query: safe to show.
        code = (error.extensions or {}).get("code", "bad_query")
        return GraphQLError(error.message, nodes=error.nodes, source=error.source,
                            positions=error.positions, path=error.path,
                            extensions={"code": code})
    if isinstance(original, HubError):
        return GraphQLError(original.message, nodes=error.nodes, source=error.source,
                            positions=error.positions, path=error.path,
                            extensions={"code": original.code})
    log.error("internal error in %s: %s", ".".join(map(str, error.path or [])),
              type(original).__name__)
    return GraphQLError("internal error", nodes=error.nodes, source=error.source,
                        positions=error.positions, path=error.path,
                        extensions={"code": "internal"})
