"""The hub's one exception tree; every error carries a stable ``code`` for API clients.

    HubError                      code
    ├── ConfigError               config_invalid
    ├── GraphError                graph_error
    │   ├── GraphUnavailableError graph_unavailable
    │   ├── StatementError        graph_statement_failed
    │   └── MigrationError        migration_failed
    ├── InputError                bad_input
    │   └── LimitError            limit_exceeded
    ├── NotFoundError             not_found
    ├── AuthenticationError       unauthenticated
    ├── ForbiddenError            forbidden
    ├── PolicyError               policy_invalid
    └── IngestError               ingest_failed

Lower-library errors (redis, neo4j, casbin, joserfc) are translated once, at the boundary that
calls the library, with ``raise ... from``. Messages name the offending value and what to do;
they never contain a token, a password, query parameters or personal data.
"""

from __future__ import annotations


class HubError(Exception):
    """Base of every error the hub raises on purpose."""

    code = "internal"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def error_code(exc: BaseException) -> str:
    """The stable code to report for any exception: its own for a HubError, else ``internal``
    (what a background task reports of a failure, without its message)."""
    return exc.code if isinstance(exc, HubError) else HubError.code


class ConfigError(HubError):
    """A setting or configuration file has a value the hub cannot use."""

    code = "config_invalid"


class GraphError(HubError):
    """The graph database failed to do what was asked."""

    code = "graph_error"


class GraphUnavailableError(GraphError):
    """The graph database cannot be reached or started."""

    code = "graph_unavailable"


class StatementError(GraphError):
    """A Cypher statement was rejected or failed.

    The message names the statement, never its values.
    """

    code = "graph_statement_failed"


class MigrationError(GraphError):
    """A migration file failed; the message names the file and the statement number."""

    code = "migration_failed"


class InputError(HubError):
    """A request or file holds a value the hub cannot accept; the message says where."""

    code = "bad_input"


class LimitError(InputError):
    """A request goes beyond a documented limit (page size, depth, hops...)."""

    code = "limit_exceeded"


class NotFoundError(HubError):
    """Nothing visible to the caller has that id (hidden and absent are the same answer)."""

    code = "not_found"


class AuthenticationError(HubError):
    """The caller could not be authenticated; never says which check failed."""

    code = "unauthenticated"


class ForbiddenError(HubError):
    """The caller is authenticated but may not do this."""

    code = "forbidden"


class PolicyError(HubError):
    """The Casbin model or the sharing-policy files are invalid."""

    code = "policy_invalid"


class IngestError(HubError):
    """An ingest run could not proceed (as opposed to single rejected records)."""

    code = "ingest_failed"
