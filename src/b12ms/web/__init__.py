"""The web adapter (FastAPI): JSON API, security middleware and the app factory.

Needs the ``web`` extra. Build an app with :func:`b12ms.web.app.create_app` and serve it with
:func:`b12ms.web.server.run`; importing this package builds nothing and starts nothing.
"""
