"""Entity pages and the views researchers browse: one blueprint, templates and static beside it.

Templates live under ``templates/pages/`` and static files are served from ``/assets/``, so
they never collide with the app's own templates and ``/static/``.
"""

from flask import Blueprint

blueprint = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/assets")

from service.pages import views  # noqa: E402,F401  (registers the routes on the blueprint)
