"""Composition root: ``create_app(settings)`` builds the Starlette app and picks implementations.

Request flow: bearer token -> Principal (auth) -> Visibility (policy, plus case memberships)
-> GraphReader with the filter inside every statement -> GraphQL resolvers.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute, request_response
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from hub.alerts import AlertBus
from hub.alerts.relay import AlertRelay
from hub.analysis.risk.schedule import PatternRunner
from hub.api.alerts import ALERT_BUS
from hub.api.context import RequestContext
from hub.api.schema import build_schema
from hub.errors import AuthenticationError, HubError
from hub.graph.cypher.meta import COUNT_ENTITIES
from hub.graph.reader import GraphReader, case_tokens
from hub.graph.store import GraphStore
from hub.ingest.endpoint import handle_ingest
from hub.ingest.followups import FollowupQueue
from hub.policy.audit import AuditTrail
from hub.policy.engine import PolicyEngine
from hub.principal import Principal
from hub.runtime import settle_heap
from hub.settings import Settings
from hub.telemetry import configure, record_request, tracer
from hub.visibility import Audience, Visibility

log = logging.getLogger("hub.app")

PURPOSE_HEADER = "x-hub-purpose"
_ANONYMOUS = Principal("anonymous", "", "", "", frozenset(), "")
MAX_PURPOSE = 200


class Authenticator(Protocol):
    """Turns an Authorization header into a Principal (see hub.auth)."""

    def authenticate(self, header: str | None) -> Principal | Awaitable[Principal]: ...


@dataclass(slots=True)
class Services:
    """What the request handlers need; the store and audit trail are filled in at start-up."""

    authenticator: Authenticator
    policy: PolicyEngine
    store: GraphStore | None = None
    audit: AuditTrail | None = None
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class _SocketContext(RequestContext):
    """A websocket's context: strawberry puts the connection_init payload here, and
    ``on_ws_connect`` turns its token into the principal for every operation on the socket."""

    connection_params: dict[str, Any] | None = None


class _GraphQLView(GraphQL[RequestContext, None]):
    def __init__(self, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._services = services

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        services = self._services
        assert services.store is not None  # the lifespan sets it before serving
        principal: Principal | None = request.scope.get("hub.principal")
        if principal is None:
            # Only the GraphiQL page gets here without a principal: it reads nothing, and the
            # context it gets can see nothing.
            # A websocket gets here too, and stays closed until on_ws_connect authenticates it.
            closed = Visibility(records=Audience.nobody(), personal=Audience.nobody(), kinds=())
            kind = _SocketContext if request.scope["type"] == "websocket" else RequestContext
            return kind(principal=_ANONYMOUS, visibility=closed,
                        reader=GraphReader(services.store, closed))
        tokens = await case_tokens(services.store, principal.agency)
        visibility = services.policy.visibility(principal, extra_tokens=tokens)
        purpose = request.headers.get(PURPOSE_HEADER)
        return RequestContext(
            principal=principal, visibility=visibility,
            reader=GraphReader(services.store, visibility),
            purpose=purpose[:MAX_PURPOSE] if purpose else None,
            policy=services.policy, audit=services.audit, services=services.extras,
        )

    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:
        """Authenticate a websocket from ``{"Authorization": "Bearer ..."}`` in its
        connection_init payload; refuse it (close 4403) otherwise, saying nothing more."""
        services = self._services
        assert services.store is not None
        params = getattr(context, "connection_params", None) or {}
        header = params.get("Authorization")

        async def authenticate() -> Principal:
            if not isinstance(header, str):
                raise AuthenticationError("no bearer token in connection_init")
            result = services.authenticator.authenticate(header)
            return await result if inspect.isawaitable(result) else result

        try:
            principal = await authenticate()
        except AuthenticationError:
            raise ConnectionRejectionError() from None
        context.reauthenticate = authenticate  # a subscription outlives no token
        tokens = await case_tokens(services.store, principal.agency)
        context.principal = principal
        context.visibility = services.policy.visibility(principal, extra_tokens=tokens)
        context.reader = GraphReader(services.store, context.visibility)
        context.policy, context.audit = services.policy, services.audit
        context.services = services.extras
        return await super().on_ws_connect(context)


def _unauthorised() -> Response:
    # One answer for every failure: the client learns nothing about which check failed.
    return JSONResponse(
        {"errors": [{"message": "authentication required",
                     "extensions": {"code": AuthenticationError.code}}]},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="cefta-risk-hub"'},
    )


class _Authenticate:
    """ASGI middleware for /graphql: resolves the bearer token before GraphQL runs.

    A browser GET for the GraphiQL page needs no token; every operation does.
    """

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            await self.app(scope, receive, send)
            return
        try:
            result = self.services.authenticator.authenticate(request.headers.get("authorization"))
            principal = await result if inspect.isawaitable(result) else result
        except AuthenticationError:
            await _unauthorised()(scope, receive, send)
            return
        scope["hub.principal"] = principal
        await self.app(scope, receive, send)


class _Measure:
    """A span and a latency sample for every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        start = time.perf_counter()

        async def send_and_note(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        route = scope.get("path", "")
        with tracer().start_as_current_span("HTTP " + scope.get("method", "") + " " + route):
            try:
                await self.app(scope, receive, send_and_note)
            finally:
                record_request(route, scope.get("method", ""), status,
                               (time.perf_counter() - start) * 1000)


StoreOpener = Callable[[Settings], Any]


def create_app(
    settings: Settings,
    services: Services,
    open_store: StoreOpener | None = None,
    on_ready: Callable[[GraphStore], Awaitable[None]] | None = None,
) -> Starlette:
    """The hub's ASGI app.

    ``services.store`` may be given (tests pass their own); otherwise ``open_store`` (default:
    hub.graph.connect.open_store) opens it in the lifespan and ``on_ready`` runs once it is
    open (migrations, demo seed).

    The follow-ups of an ingest through the endpoint (the AEO status sync, the LPCO checks and,
    when ``settings.patterns_on_ingest``, the pattern rules) run in the background, passes
    merged (``app.state.followups``); the pattern rules also run every
    ``settings.patterns_interval_s`` seconds while the app runs (0: never), for every analysis
    agency under its own visibility. Every ``settings.alert_poll_s`` seconds (0: never) the
    alert relay announces to this app's subscribers the alert changes made through other
    processes.
    """
    configure(settings)
    patterns = PatternRunner(lambda: services.policy)
    followups = FollowupQueue(lambda: services.policy,
                              patterns if settings.patterns_on_ingest else None)
    schema = build_schema(settings)
    # Subscriptions (alertChanged) over graphql-transport-ws only, authenticated on connect.
    services.extras.setdefault(ALERT_BUS, AlertBus(settings.subscription_queue))
    view = _GraphQLView(
        services, schema=schema, graphql_ide="graphiql" if settings.graphiql else None,
        allow_queries_via_get=False, subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        max_subscriptions_per_connection=settings.max_subscriptions,
        connection_init_wait_timeout=timedelta(seconds=10),
    )

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def ready(_: Request) -> Response:
        if services.store is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        try:
            await services.store.run(COUNT_ENTITIES)
        except HubError as exc:
            return JSONResponse({"status": "unavailable", "code": exc.code}, status_code=503)
        return JSONResponse({"status": "ready"})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if services.store is None:
                if open_store is None:
                    from hub.graph.connect import open_store as default_open

                    services.store = await stack.enter_async_context(default_open(settings))
                else:
                    services.store = await stack.enter_async_context(open_store(settings))
                stack.callback(lambda: setattr(services, "store", None))
            store = services.store
            assert store is not None  # set just above, or given by the caller
            if services.audit is None:
                services.audit = AuditTrail(store)
            if on_ready is not None:
                await on_ready(store)
            background: list[asyncio.Task[None]] = []
            if settings.patterns_interval_s > 0:
                background.append(asyncio.create_task(
                    patterns.every(store, services.audit, settings.patterns_interval_s)))
                log.info("pattern rules every %d s", settings.patterns_interval_s)
            bus = services.extras.get(ALERT_BUS)
            if settings.alert_poll_s > 0 and isinstance(bus, AlertBus):
                # Alert changes made through other processes reach this one's subscribers.
                background.append(asyncio.create_task(
                    AlertRelay(store, bus).every(settings.alert_poll_s)))
            try:
                yield
            finally:
                for task in background:
                    task.cancel()
                    with suppress(asyncio.CancelledError):
                        await task
                await followups.close()

    async def ingest(request: Request) -> Response:
        assert services.store is not None  # set at start-up
        assert services.audit is not None
        return await handle_ingest(request, request.scope["hub.principal"], services.store,
                                   services.policy, services.audit, data_dir=settings.data_dir,
                                   max_bytes=settings.ingest_max_bytes,
                                   followups=followups)

    routes = [
        Route("/health", health),
        Route("/ready", ready),
        Route("/ingest/{connector}", _Authenticate(request_response(ingest), services),
              methods=["POST"]),
        Route("/graphql", _Authenticate(view, services), methods=["GET", "POST"]),
        WebSocketRoute("/graphql", view),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.followups = followups
    app.add_middleware(_Measure)
    return app


def build_app(settings: Settings, migrate: bool = False,
              seed_scale: str | None = None) -> Starlette:
    """The production app: JWT authentication, the Casbin policy, the configured graph store.

    ``migrate`` applies pending migrations at start-up; ``seed_scale`` loads the demo dataset
    when the graph is empty.
    """
    from hub.auth import build_validator
    from hub.policy import CasbinPolicy

    services = Services(authenticator=build_validator(settings),
                        policy=CasbinPolicy(settings.policy_dir,
                                            check_every=settings.policy_reload_seconds))

    async def on_ready(store: GraphStore) -> None:
        await prepare_store(store, migrate=migrate, seed_scale=seed_scale)
        settle_heap()  # last: everything start-up built is in place

    return create_app(settings, services, on_ready=on_ready)


async def prepare_store(store: GraphStore, *, migrate: bool, seed_scale: str | None) -> None:
    """Apply pending migrations when ``migrate``; load the demo dataset at ``seed_scale`` when
    the graph is empty. Runs once before serving: in the serving process, or in the parent of
    ``hub serve --workers N`` before the workers start."""
    if migrate:
        from hub.graph.migrations import migrate as apply_migrations

        for migration in await apply_migrations(store):
            log.info("applied migration %s", migration.path.name)
    if seed_scale is not None:
        rows = await store.run(COUNT_ENTITIES)
        if not rows or int(rows[0]["n"]) == 0:
            from hub.demo import seed

            log.info("the graph is empty: loading the %s demo dataset", seed_scale)
            await seed(store, seed_scale, 2025)


SCHEDULE_LOCK = "patterns-schedule.lock"
"""The file in the data directory whose lock marks the worker that runs the pattern schedule."""


def serve_app() -> Starlette:
    """A worker's app for ``hub serve --workers N`` (uvicorn imports ``hub.app:serve_app``).

    Settings come from the environment; nothing is migrated or seeded, the parent process did
    that before starting the workers. The embedded graph server the parent started is reused
    and left running. Only one worker runs the pattern schedule
    (``HUB_PATTERNS_INTERVAL_SECONDS``): the first to lock :data:`SCHEDULE_LOCK`, for as long
    as its app lives (``app.state.schedule_lock``).
    """
    import fcntl

    from hub.settings import load_settings

    settings = load_settings()
    lock = None
    if settings.patterns_interval_s > 0:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        lock = (settings.data_dir / SCHEDULE_LOCK).open("a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            lock = None
            log.info("pattern rules: another worker runs the schedule")
            settings = settings.with_(patterns_interval_s=0)
    app = build_app(settings)
    app.state.schedule_lock = lock
    return app
