"""Entity pages and the views researchers browse: one blueprint (service.pages.views), with
templates and static files beside it.

Templates live under ``templates/pages/`` and static files are served from ``/assets/``, so
they never collide with the app's own templates and ``/static/``.
"""
