"""The ingest endpoint for machine clients: ``POST /ingest/{connector}`` with a bearer token.

The body is the file, as ``hub ingest`` would read it. The submitting principal's agency owns
what lands; the query string may set ``distribution`` and repeated ``share_with``. The answer is
the ingest report as JSON: 200 when everything was accepted, 422 when records were rejected
(they are put aside, the rest landed), 400/403/404/413 when nothing was read. The follow-ups
of the ingest (:mod:`hub.ingest.followups`: the AEO status sync, the LPCO checks, the pattern
rules) are queued in the background: the report's ``followups`` names the steps queued (and
``patterns`` says the rules were); the log says what they did, or why one failed (the ingest
stands either way).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.checks.lpco_runs import DocumentTap
from hub.errors import ForbiddenError, HubError, InputError, LimitError, NotFoundError
from hub.graph.store import GraphStore
from hub.ingest.followups import FollowupQueue, Ingested
from hub.ingest.pipeline import ingest_stream, sharing_for
from hub.policy.audit import AuditTrail
from hub.policy.engine import PolicyEngine
from hub.principal import Principal

SPOOL_IN_MEMORY = 8 * 1024 * 1024

# What a submitter must be allowed to write to use a connector: its principal record kind.
CONNECTOR_KINDS = {
    "wco-dec": "Consignment",
    "asycuda": "Consignment",
    "seed-plus": "Consignment",
    "ephyto": "Lpco",
    "aeo-register": "AeoAuthorisation",
}


def _error(exc: HubError, status: int) -> JSONResponse:
    return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=status)


async def handle_ingest(request: Request, principal: Principal, store: GraphStore,
                        policy: PolicyEngine, audit: AuditTrail, *, data_dir: Path,
                        max_bytes: int, followups: FollowupQueue | None = None
                        ) -> JSONResponse:
    """Authorise, spool the body (at most ``max_bytes``), ingest it (rejected records go under
    ``data_dir``), queue its follow-ups (if given) and answer with the report."""
    from connectors import connector as make_connector

    name = request.path_params["connector"]
    try:
        conn = make_connector(name)
        kind = CONNECTOR_KINDS.get(name)
        if kind is None or not policy.may_write(principal, kind):
            raise ForbiddenError(f"{principal.agency} may not submit {name} data ({kind} records)")
        sharing = sharing_for(principal.agency,
                              request.query_params.get("distribution", "PARTY"),
                              request.query_params.getlist("share_with"))
        if not policy.may_share(principal, None, sharing.distribution, list(sharing.share_with)):
            raise ForbiddenError(f"{principal.agency} may not distribute records at "
                                 f"{sharing.distribution.value}")
    except NotFoundError as exc:
        return _error(exc, 404)
    except ForbiddenError as exc:
        return _error(exc, 403)
    except InputError as exc:
        return _error(exc, 404 if "unknown connector" in exc.message else 400)

    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                return _error(LimitError(f"the body is larger than {max_bytes} bytes; split the "
                                         "file or use `hub ingest`"), 413)
            spool.write(chunk)
        spool.seek(0)
        origin = request.query_params.get("filename") or f"{name}-upload"
        try:
            tap = DocumentTap(conn)
            report = await ingest_stream(store, tap, spool, origin[:120], sharing,  # type: ignore[arg-type]
                                         data_dir=data_dir)
        except HubError as exc:
            return _error(exc, 400)
    await audit.record(principal, "ingest", [(f"ingest-run:{report.run_id}", principal.agency)],
                       request.headers.get("x-hub-purpose"))
    if followups is not None:
        report.followups = followups.queue(store, audit,
                                           Ingested.of(name, report, tap.documents))
        if report.followups is not None and "patterns" in report.followups["queued"]:
            report.patterns = {"queued": True, "trigger": "ingest",
                               "summary": "pattern rules queued: they run in the background "
                                          "and the hub's log says what they raised"}
    body: dict[str, Any] = report.as_dict()
    body.pop("rejected_dir", None)  # a server path: not the client's business
    return JSONResponse(body, status_code=200 if report.ok else 422)
