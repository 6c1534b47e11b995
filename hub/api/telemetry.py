"""A span and a latency sample per GraphQL operation (operation name and type only)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from hub.telemetry import record_operation, tracer


class OperationMetrics(SchemaExtension):
    """Wraps each operation; variables and results never reach the span."""

    def on_operation(self) -> Iterator[None]:
        name = self.execution_context.operation_name or "anonymous"
        start = time.perf_counter()
        with tracer().start_as_current_span("graphql " + name) as span:
            yield
            result = self.execution_context.result
            ok = not (result is not None and getattr(result, "errors", None))
            span.set_attribute("graphql.operation.name", name)
            span.set_attribute("hub.ok", ok)
        record_operation(name, (time.perf_counter() - start) * 1000, ok)
