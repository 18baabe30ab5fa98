"""The HTML template handed to ``dvc plots show/diff --html-template``: DVC's plot divs with the pinned Vega
libraries inlined, so the page renders with no network.

DVC fills ``{plot_divs}`` with one ``vegaEmbed(...)`` call per plot and puts its CDN script tags in
``{scripts}``; this template has no ``{scripts}``, so no CDN is ever asked. vegaEmbed is wrapped to draw SVG
(inspectable marks, crisp print) without the action menu, which would offer to open an online editor.
"""

from __future__ import annotations

from pathlib import Path

from ukiyoe.common.errors import UkiyoeError
from ukiyoe.plots.vendor import DEFAULT_CACHE, scripts

TEMPLATE_NAME = "template.html"
PLACEHOLDER = "{plot_divs}"
DVC_PLACEHOLDERS = ("plot_divs", "scripts", "refresh_tag")  # what DVC replaces anywhere in the page
EMBED_OPTIONS = '{renderer: "svg", actions: false}'


def build_template(cache: Path = DEFAULT_CACHE, title: str = "ukiyoe training curves") -> str:
    parts = []
    for library, source in scripts(cache):
        if "</script" in source.lower() or any(f"{{{name}}}" in source for name in DVC_PLACEHOLDERS):
            raise UkiyoeError(f"{library.package} {library.version}: cannot be inlined in an HTML page")
        parts.append(f"<!-- {library.package} {library.version} (npm, sha256 {library.sha256}) -->\n"
                     f"<script>{source}</script>")
    inlined = "\n".join(parts)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{title}</title>
{inlined}
<script>
(function () {{
  const embed = window.vegaEmbed;
  window.vegaEmbed = (el, spec, options) => embed(el, spec, Object.assign({EMBED_OPTIONS}, options || {{}}));
}})();
</script>
<style>body {{ font-family: sans-serif; margin: 1.5em; }} div.vega-embed {{ margin: 1em 0; }}</style>
</head>
<body>
<h1>{title}</h1>
{PLACEHOLDER}
</body>
</html>
"""


def write_template(path: Path, cache: Path = DEFAULT_CACHE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build_template(cache), encoding="utf-8")
    return path
