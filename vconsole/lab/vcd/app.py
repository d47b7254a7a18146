"""The lab Cloud Director's aiohttp application: every route group on one shared context.

The route modules build on `routing`; this module only assembles them, so no route module
imports the application that registers it.
"""

from __future__ import annotations

from aiohttp import web

from vconsole.lab.vcd import branding_routes, oauth_routes, session_routes
from vconsole.lab.vcd.routing import CTX, LabContext


def build_app(ctx: LabContext) -> web.Application:
    app = web.Application(client_max_size=8 * 1024 * 1024)
    app[CTX] = ctx
    session_routes.register(app, ctx)
    oauth_routes.register(app, ctx)
    branding_routes.register(app, ctx)
    return app
