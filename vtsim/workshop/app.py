"""The workshop's web server: pages, a JSON API and server-sent events (Starlette).

``create_app(workshop)`` gives an ASGI app (served by uvicorn from ``vtsim workshop``).
Facilitator, projector and observer pages take their token once as ``?token=``; their
scripts then send it as the ``X-Vtsim-Token`` header (``?token=`` is also accepted on
GET requests that a browser cannot give a header: server-sent events, images).
Participants carry an HttpOnly, SameSite=Strict cookie set when they join. Every
state change is committed to SQLite before its reply (the acknowledgement) is sent.
"""

from __future__ import annotations

import json
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from vtsim.exercise.text import Messages, languages
from vtsim.workshop import security
from vtsim.workshop.engine import HERE, Workshop, WorkshopError, environment, messages

COOKIE = "vtsim_participant"
TOKEN_HEADER = "X-Vtsim-Token"
HEARTBEAT_S = 15.0
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
PAGES = {"facilitator": "/f", "projector": "/projector", "observer": "/observe"}
ACTIONS = {
    "start": "start",
    "advance": "advance",
    "open_vote": "open_vote",
    "close_vote": "close_vote",
    "pause": "pause",
    "resume": "resume_clock",
    "undo": "undo",
    "note": "note",
    "reveal": "reveal",
    "end": "end",
}
MAX_BODY = 64 * 1024


class _SecurityHeaders:
    """Adds the security headers to every response (pages, API, events, static files)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.decode("latin-1").lower() not in {h.lower() for h in SECURITY_HEADERS}
                ]
                headers += [
                    (k.lower().encode("latin-1"), v.encode("latin-1"))
                    for k, v in SECURITY_HEADERS.items()
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    workshop: Workshop,
    *,
    vote_limit: int = 5,
    vote_window_s: float = 10.0,
    join_failures_limit: int = 10,
    join_failures_window_s: float = 60.0,
) -> Starlette:
    """The Starlette app of ``workshop`` (the routes of docs/workshop-design.md).

    Votes are limited per participant (``vote_limit`` per ``vote_window_s``); wrong join
    codes per client address (``join_failures_limit`` per ``join_failures_window_s``: past
    it, every join attempt from there is refused with 429 until the window has passed, so
    the 6-character code cannot be guessed by trying; many people joining from one venue's
    address with the right code are not slowed)."""
    w = workshop
    limiter = security.RateLimiter(vote_limit, vote_window_s)
    join_failures = security.RateLimiter(join_failures_limit, join_failures_window_s)
    m = w.m

    def error(key: str, status: int, **values) -> WorkshopError:
        return WorkshopError(m(f"workshop.server.{key}", **values), status)

    def lang_of(request: Request, default: str | None = None) -> str:
        lang = request.query_params.get("lang") or default or w.lang
        return lang if lang in languages() else w.lang

    def token_of(request: Request, query: bool) -> str | None:
        token = request.headers.get(TOKEN_HEADER)
        if not token and query:
            token = request.query_params.get("token")
        return token or None

    def role_of(request: Request, allowed: tuple[str, ...], query: bool = False) -> str:
        """Which token the request carries among ``allowed`` (401 none, 403 wrong)."""
        token = token_of(request, query)
        if token is None:
            raise error("no_token", 401)
        expected = {
            "facilitator": w.facilitator_token,
            "projector": w.projector_token,
            "observer": w.observer_token,
        }
        for kind in allowed:
            if kind in expected and security.same(token, expected[kind]):
                return kind
        raise error("wrong_token", 403)

    def participant_of(request: Request):
        return w.participant(request.cookies.get(COOKIE))

    async def body_of(request: Request) -> dict:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise error("bad_request", 400)
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            raise error("bad_request", 400) from None
        if not isinstance(data, dict):
            raise error("bad_request", 400)
        return data

    def text_field(data: dict, key: str, default: str = "") -> str:
        value = data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, (str, int, float)):
            raise error("bad_request", 400)
        return str(value)

    def base_url(request: Request) -> str:
        return w.base_url or str(request.base_url).rstrip("/")

    def links(request: Request) -> dict:
        base = base_url(request)
        return {
            "join_url": f"{base}/?code={w.join_code}",
            "projector_url": f"{base}/projector?token={w.projector_token}",
            "observer_url": f"{base}/observe?token={w.observer_token}",
        }

    def page(template: str, lang: str, **context) -> HTMLResponse:
        html = environment(lang).get_template(template).render(**context)
        return HTMLResponse(html)

    # -- pages ----------------------------------------------------------------------------------
    async def join_page(request: Request) -> Response:
        lang = lang_of(request)
        return page("join.html.j2", lang, kind="join", **join_context(request, lang))

    def join_context(request: Request, lang: str) -> dict:
        return {
            "code": security.normalise_code(request.query_params.get("code", ""))[:12],
            "tables": [
                {"id": t.id, "name": messages(lang)("workshop.server.table_name", n=t.index)}
                for t in w.tables
            ],
            "roles": w.roles(lang),
            "languages": [
                {"code": code, "name": Messages(code).data.get("name", code)}
                for code in languages()
            ],
        }

    def token_page(kind: str):
        async def handler(request: Request) -> Response:
            # The page is a shell with no data (its script asks /api/view/<kind> with the
            # token): a reload without ?token= (the script removes it from the address bar
            # and keeps it in sessionStorage) is served; a wrong token is refused.
            if "token" in request.query_params:
                role_of(request, (kind,), query=True)
            return page(f"{kind}.html.j2", lang_of(request), kind=kind)

        return handler

    async def participant_page(request: Request) -> Response:
        who = participant_of(request)
        if who is None:
            return RedirectResponse("/", status_code=303)
        return page("participant.html.j2", lang_of(request, who.lang), kind="participant")

    # -- the JSON API ---------------------------------------------------------------------------
    def viewer(request: Request, kind: str):
        if kind == "participant":
            who = participant_of(request)
            if who is None:
                raise error("not_participant", 401)
            return who
        if kind == "join":
            return None
        if kind not in PAGES:
            raise error("not_found", 404)
        role_of(request, (kind,), query=True)
        return None

    async def view(request: Request) -> Response:
        kind = request.path_params["kind"]
        who = viewer(request, kind)
        if kind == "join":
            lang = lang_of(request)
            return JSONResponse({"lang": lang, **join_context(request, lang)})
        data = await run_in_threadpool(w.view, kind, request.query_params.get("lang") or None, who)
        if kind in ("facilitator", "projector"):
            data.update(
                {
                    k: v
                    for k, v in links(request).items()
                    if kind == "facilitator" or k == "join_url"
                }
            )
        return JSONResponse(data)

    async def events(request: Request) -> Response:
        kind = request.path_params["kind"]
        viewer(request, kind)
        try:
            since = int(request.query_params.get("since", "-1"))
        except ValueError:
            since = -1

        async def stream():
            nonlocal since
            yield "retry: 1000\n\n"
            if since > w.version:  # the server restarted and counts again from its log
                since = -1
            if w.version > since:
                since = w.version
                yield f"event: change\ndata: {json.dumps({'version': since})}\n\n"
            while True:
                if await request.is_disconnected():
                    return
                version = await w.changed(since, HEARTBEAT_S)
                if version > since:
                    since = version
                    yield f"event: change\ndata: {json.dumps({'version': since})}\n\n"
                else:
                    yield ": heartbeat\n\n"

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"X-Accel-Buffering": "no"},
        )

    async def join(request: Request) -> Response:
        data = await body_of(request)
        client = request.client.host if request.client else "unknown"
        if join_failures.blocked(client):
            raise error("join_rate_limited", 429)
        if not security.same(security.normalise_code(text_field(data, "code")), w.join_code):
            join_failures.allow(client)  # one more wrong code from this address
            raise error("bad_code", 400)
        who = await run_in_threadpool(
            w.join,
            text_field(data, "code"),
            text_field(data, "table"),
            text_field(data, "role"),
            text_field(data, "name"),
            text_field(data, "lang", w.lang) or w.lang,
        )
        reply = JSONResponse(
            {
                "token": who.token,
                "participant": {
                    "id": who.id,
                    "table": who.table_id,
                    "role": who.role,
                    "name": who.name,
                    "lang": who.lang,
                },
            }
        )
        reply.set_cookie(
            COOKIE,
            who.token,
            max_age=7 * 24 * 3600,
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return reply

    async def facilitator_action(request: Request) -> Response:
        role_of(request, ("facilitator",))
        action = request.path_params["action"]
        if action not in ACTIONS:
            raise error("bad_action", 404, action=action)
        data = await body_of(request)
        method = getattr(w, ACTIONS[action])
        result = None
        if action == "close_vote":
            overrides = data.get("overrides") or {}
            if not isinstance(overrides, dict):
                raise error("bad_request", 400)
            result = await run_in_threadpool(
                method, {str(k): str(v) for k, v in overrides.items() if v}
            )
        elif action == "note":
            table = data.get("table") or None
            await run_in_threadpool(
                lambda: w.note(
                    text_field(data, "text"),
                    table_id=str(table) if table else None,
                    module=text_field(data, "module") or None,
                    topic=text_field(data, "topic") or None,
                    who=text_field(data, "who") or None,
                )
            )
        elif action == "end":
            result = [str(p) for p in await run_in_threadpool(method)]
        else:
            await run_in_threadpool(method)
        return JSONResponse({"ok": True, "version": w.version, "result": result})

    async def vote(request: Request) -> Response:
        who = participant_of(request)
        if who is None:
            raise error("not_participant", 401)
        if not limiter.allow(who.id):
            raise error("rate_limited", 429)
        data = await body_of(request)
        done = await run_in_threadpool(
            w.vote, who.token, text_field(data, "option"), text_field(data, "justification")
        )
        return JSONResponse({"ok": True, "version": w.version, **done})

    async def note(request: Request) -> Response:
        data = await body_of(request)
        who = participant_of(request)
        if who is not None and not token_of(request, False):
            await run_in_threadpool(lambda: w.note(text_field(data, "text"), participant=who.token))
        else:
            role_of(request, ("observer",))
            table = data.get("table") or None
            await run_in_threadpool(
                lambda: w.note(
                    text_field(data, "text"),
                    author="observer",
                    table_id=str(table) if table else None,
                    who=text_field(data, "name") or None,
                )
            )
        return JSONResponse({"ok": True, "version": w.version})

    async def rate(request: Request) -> Response:
        role_of(request, ("observer",))
        data = await body_of(request)
        table = data.get("table") or None
        rating = data.get("rating")
        if isinstance(rating, bool) or not isinstance(rating, (int, str)):
            raise error("bad_rating", 400, rating=str(rating))
        done = await run_in_threadpool(
            w.rate,
            text_field(data, "observer") or text_field(data, "name"),
            text_field(data, "objective"),
            rating,
            text_field(data, "text"),
            str(table) if table else None,
        )
        return JSONResponse({"ok": True, "version": w.version, "rating": done})

    async def chart(request: Request) -> Response:
        table, point = request.path_params["table"], request.path_params["point"]
        who = participant_of(request)
        if who is None or token_of(request, True):
            role_of(request, ("projector", "facilitator", "observer"), query=True)
        elif who.table_id != table:
            raise error("wrong_token", 403)
        lang = lang_of(request, who.lang if who else None)
        svg = await run_in_threadpool(w.chart, table, point, lang)
        return Response(svg, media_type="image/svg+xml")

    async def qr(request: Request) -> Response:
        import io as _stdio

        import segno

        role_of(request, ("facilitator", "projector"), query=True)
        buffer = _stdio.BytesIO()
        segno.make(links(request)["join_url"], error="m").save(
            buffer, kind="svg", scale=8, border=2, xmldecl=False
        )
        return Response(buffer.getvalue(), media_type="image/svg+xml")

    # -- errors ----------------------------------------------------------------------------------
    async def workshop_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status", 400)
        return JSONResponse({"error": str(exc)}, status_code=status)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        key = "not_found" if status == 404 else "bad_request"
        return JSONResponse({"error": m(f"workshop.server.{key}")}, status_code=status)

    from vtsim.errors import VtsimError

    routes = [
        Route("/", join_page),
        Route("/f", token_page("facilitator")),
        Route("/projector", token_page("projector")),
        Route("/observe", token_page("observer")),
        Route("/p", participant_page),
        Route("/api/view/{kind}", view),
        Route("/api/events/{kind}", events),
        Route("/api/join", join, methods=["POST"]),
        Route("/api/facilitator/{action}", facilitator_action, methods=["POST"]),
        Route("/api/vote", vote, methods=["POST"]),
        Route("/api/note", note, methods=["POST"]),
        Route("/api/rate", rate, methods=["POST"]),
        Route("/api/chart/{table}/{point}.svg", chart),
        Route("/api/qr.svg", qr),
        Mount(
            "/static", StaticFiles(directory=Path(HERE / "static"), check_dir=False), name="static"
        ),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            VtsimError: workshop_error,
            HTTPException: http_error,
        },
    )
    app.state.workshop = w
    app.add_middleware(_SecurityHeaders)
    return app
