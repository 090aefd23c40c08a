"""Static assets: the browser script and style shipped in the package, and plotly.js.

This is the only module that imports plotly: the charts use the plotly.js bundled
with the installed plotly package, served from the site itself (no CDN).
"""

from __future__ import annotations

from importlib import resources

from perfpages.site import urls


def static_files() -> dict[str, bytes]:
    import plotly.offline

    here = resources.files("perfpages.site") / "static"
    return {
        urls.SCRIPT: (here / "perfpages.js").read_bytes(),
        urls.STYLE: (here / "perfpages.css").read_bytes(),
        urls.PLOTLY: plotly.offline.get_plotlyjs().encode(),
    }
