"""Who may open a screen or call an endpoint: the checks every handler shares.

A check returns the signed-in principal or raises; the application turns what it raises into
the answer in one place each, so no handler tests a check's result:

- pages: :func:`signed_in` raises :class:`~server.errors.PageRefused` (a redirect to the
  sign-in page, or 403/404 in plain text), answered by :func:`refused`;
- JSON endpoints: :func:`staff_member` raises :class:`~server.errors.Rejected` (401, 403,
  404 as JSON), answered by ``server.web.http_errors.rejected``.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from server.errors import PageRefused, Rejected
from server.security.auth import ANONYMOUS, Principal
from server.web.context import AppContext

NO_SUCH_SITE = "no such site / 該当する庁舎がありません"
NOT_YOUR_ROLE = "this screen is not for your role / この画面の権限がありません"


def refusal(
    ctx: AppContext, request: Request, roles: tuple[str, ...], site_id: str | None
) -> tuple[Principal, str]:
    """The request's principal, and why it may not go on: ``""`` (it may), ``unknown_site``,
    ``not_authenticated`` or ``forbidden`` (another role, or not staffed at ``site_id``)."""
    if site_id is not None and site_id not in ctx.config.sites:
        return ANONYMOUS, "unknown_site"  # the session is not looked at (nor touched)
    principal = ctx.principal(request)
    if principal.actor is None:
        return principal, "not_authenticated"
    if principal.actor.role not in roles or (
        site_id is not None and site_id not in principal.sites
    ):
        return principal, "forbidden"
    return principal, ""


def signed_in(
    ctx: AppContext, request: Request, roles: tuple[str, ...], site_id: str | None = None
) -> Principal:
    """The staff principal for a screen of one of ``roles`` (at ``site_id``, if given);
    else PageRefused: 404 for an unknown site, the sign-in redirect, 403 for another role
    or site."""
    principal, why = refusal(ctx, request, roles, site_id)
    if why == "unknown_site":
        raise PageRefused(404, NO_SUCH_SITE)
    if why == "not_authenticated":
        url = request.url
        target = quote(str(url.path) + (f"?{url.query}" if url.query else ""))
        raise PageRefused(303, location=f"/signin?next={target}")
    if why:
        raise PageRefused(403, NOT_YOUR_ROLE)
    return principal


def staff_member(
    ctx: AppContext,
    request: Request,
    roles: tuple[str, ...],
    site_id: str | None = None,
    message: str = "",
) -> Principal:
    """The staff principal for a JSON endpoint of one of ``roles`` (at ``site_id``, if given);
    else Rejected: ``unknown_site``, ``not_authenticated``, or ``forbidden`` (with
    ``message``, if given)."""
    principal, why = refusal(ctx, request, roles, site_id)
    if why:
        raise Rejected(why, message if why == "forbidden" else "")
    return principal


async def refused(request: Request, exc: Exception) -> Response:
    """The application's handler of :class:`PageRefused`: the redirect or the plain text."""
    if not isinstance(exc, PageRefused):  # registered for PageRefused only
        raise exc
    if exc.location:
        return RedirectResponse(exc.location, status_code=exc.status)
    return PlainTextResponse(exc.text, status_code=exc.status)
