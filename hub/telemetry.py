"""OpenTelemetry setup and the hub's instruments (spans and latency histograms).

Nothing is configured at import. :func:`configure` installs providers once, from settings; until
then the API's no-op providers make every span and metric free. Spans carry statement names,
operation names and engines, never parameter values, tokens or personal data.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import metrics, trace

from hub.settings import Settings

_SCOPE = "cefta-risk-hub"
_configured = False


def configure(settings: Settings) -> None:
    """Install tracer and meter providers with the exporter the settings name (once)."""
    global _configured  # noqa: PLW0603  (process-wide providers are global by design)
    if _configured or settings.telemetry_exporter == "none":
        return
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import (
        ConsoleMetricExporter,
        MetricExporter,
        PeriodicExportingMetricReader,
    )
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SpanExporter,
    )

    span_exporter: SpanExporter
    metric_exporter: MetricExporter
    if settings.telemetry_exporter == "console":
        span_exporter, metric_exporter = ConsoleSpanExporter(), ConsoleMetricExporter()
    else:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        base = (settings.otlp_endpoint or "http://127.0.0.1:4318").rstrip("/")
        span_exporter = OTLPSpanExporter(endpoint=f"{base}/v1/traces")
        metric_exporter = OTLPMetricExporter(endpoint=f"{base}/v1/metrics")
    resource = Resource.create({"service.name": "cefta-risk-hub"})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(span_exporter))
    trace.set_tracer_provider(tracer_provider)
    reader = PeriodicExportingMetricReader(metric_exporter)
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=[reader]))
    _configured = True


def tracer() -> trace.Tracer:
    return trace.get_tracer(_SCOPE)


def _histogram(name: str, description: str) -> metrics.Histogram:
    return metrics.get_meter(_SCOPE).create_histogram(name, unit="ms", description=description)


@contextmanager
def statement_span(name: str, engine: str) -> Iterator[None]:
    """A span and a latency sample for one graph statement (name and engine only)."""
    start = time.perf_counter()
    with tracer().start_as_current_span(
        "graph " + name, attributes={"db.system": engine, "db.operation.name": name}
    ):
        try:
            yield
        finally:
            _histogram("hub.graph.statement.duration", "Graph statement latency").record(
                (time.perf_counter() - start) * 1000, {"statement": name, "engine": engine}
            )


def record_request(route: str, method: str, status: int, elapsed_ms: float) -> None:
    """A latency sample for one HTTP request."""
    _histogram("hub.http.request.duration", "HTTP request latency").record(
        elapsed_ms, {"http.route": route, "http.request.method": method,
                     "http.response.status_code": status}
    )


def record_operation(operation: str, elapsed_ms: float, ok: bool) -> None:
    """A latency sample for one GraphQL operation."""
    _histogram("hub.graphql.operation.duration", "GraphQL operation latency").record(
        elapsed_ms, {"graphql.operation.name": operation, "ok": ok}
    )
