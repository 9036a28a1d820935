"""GX Data Docs that open from disk with no network (an audit room).

GX renders Data Docs with Jinja templates whose pages load Bootstrap, Font
Awesome, jQuery, bootstrap-table and Vega from CDNs, and the logo from a web
server. Offline, the index listed no validations (bootstrap-table fills it by
script) and result pages lost their pass/fail icons (a web font). The site
builder of ``great_expectations.yml`` names the views below instead of GX's:
they are GX's own views with our templates (``data_docs_templates/``) looked
up first:

* ``bootstrap_table.j2`` writes each table's rows as plain HTML;
* ``js_script_imports.j2`` loads nothing and inlines ``carbon_offline.css``,
  the Bootstrap classes the pages use and the icons drawn as text symbols;
* ``top_navbar.j2`` and ``cloud-footer.j2`` use the site's own
  ``static/images`` and link nowhere.

The stylesheet links GX writes into the page heads are removed from the
rendered HTML (``strip_remote_assets``), so no page refers to the internet.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import ChoiceLoader, FileSystemLoader

TEMPLATES = Path(__file__).parent / "data_docs_templates"
# Bumped when the templates change: a site rendered by older templates is rebuilt whole once.
SITE_VERSION = "carbon-offline-1"
_REMOTE_TAG = re.compile(
    r"""\s*<(?:link|script)\b[^>]*\b(?:href|src)\s*=\s*["']https?://[^>]*>(?:\s*</script>)?""", re.I
)
_REMOTE_CSS_URL = re.compile(r"""url\(\s*["']?https?://[^)]*\)""", re.I)


def strip_remote_assets(html: str) -> str:
    """The page without any <link>, <script> or CSS url() that loads from the internet."""
    return _REMOTE_CSS_URL.sub("none", _REMOTE_TAG.sub("", html))


class _Offline:
    def __init__(self, custom_styles_directory: Any = None, custom_views_directory: Any = None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)  # type: ignore[call-arg]
        self.env.loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES)), self.env.loader])  # type: ignore[attr-defined]

    def render(self, document: Any, template: Any = None, **kwargs: Any) -> str:
        return strip_remote_assets(super().render(document, template, **kwargs))  # type: ignore[misc]


class OfflinePageView(_Offline, DefaultJinjaPageView):
    """Suite and validation result pages."""


class OfflineIndexPageView(_Offline, DefaultJinjaIndexPageView):
    """The site's index.html."""
