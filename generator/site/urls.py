"""Where every generated page and data file lives, and relative links between them.

Links inside raw HTML are not rewritten by MkDocs, so the generator computes them
itself, for ``use_directory_urls`` on (``x/y.md`` is served at ``x/y/``) and off
(``x/y.html``).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache

ROOT = "perf"
MARKER = ".perfpages-generated"

OVERVIEW = f"{ROOT}/index.md"
CHANGES = f"{ROOT}/changes.md"
PR_INDEX = f"{ROOT}/pr/index.md"
ATOM = f"{ROOT}/changes.xml"
COMMITS_JSON = f"{ROOT}/api/commits.json"
SERIES_JSON = f"{ROOT}/api/series.json"
CHANGES_JSON = f"{ROOT}/api/changes.json"
SCRIPT = f"{ROOT}/assets/perfpages.js"
STYLE = f"{ROOT}/assets/perfpages.css"
PLOTLY = f"{ROOT}/assets/plotly.min.js"
# One series at one commit against its own previous point: a chart click opens it (site/point.py).
SERIES_POINT = f"{ROOT}/compare/series.md"

_UNSAFE = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=1 << 12)
def slugify(label: str) -> str:
    """A file-name-safe slug; the hash keeps two labels that clean up alike apart. Kept for the
    labels seen most: every row of a compare page links its scenario."""
    cleaned = _UNSAFE.sub("-", label.lower()).strip("-")[:80]
    digest = hashlib.sha1(label.encode()).hexdigest()[:8]
    return f"{cleaned}-{digest}" if cleaned else digest


def scenario_page(slug: str) -> str:
    return f"{ROOT}/scenarios/{slug}.md"


def scenario_data(slug: str) -> str:
    return f"{ROOT}/api/scenarios/{slug}.json"


def variants_page(slug: str) -> str:
    return f"{ROOT}/variants/{slug}.md"


def variants_data(slug: str) -> str:
    return f"{ROOT}/api/variants/{slug}.json"


def compare_page(base: str, head: str) -> str:
    return f"{ROOT}/compare/{base[:12]}..{head[:12]}.md"


def ab_page(base: str, head: str) -> str:
    """An A/B run outside any PR: apart from the step pages, which a run of two consecutive commits
    on main would otherwise replace."""
    return f"{ROOT}/compare/ab/{base[:12]}..{head[:12]}.md"


def pr_index(number: int) -> str:
    return f"{ROOT}/pr/{number}/index.md"


def pr_page(number: int, head: str) -> str:
    return f"{ROOT}/pr/{number}/{head[:12]}.md"


def profile_slug(machine: str, label: str) -> str:
    return slugify(f"{machine}/{label}")


def profile_page(comparison_page: str, slug: str) -> str:
    """A profile diff lives under its comparison's permalink, so it is as permanent as the page."""
    return f"{comparison_page.removesuffix('.md')}/profiles/{slug}.md"


def profile_text(comparison_page: str, slug: str) -> str:
    return profile_page(comparison_page, slug).removesuffix(".md") + ".txt"


def step_values(block: int) -> str:
    """Every series' medians over one block of measured commits on main (site/stepvalues.py)."""
    return f"{ROOT}/api/steps/{block}.json"


def comparison_listing(page: str) -> str:
    """Every series of an A/B compare or PR page, for its full list (judging.listing)."""
    return f"{ROOT}/api/listing/{page.removeprefix(ROOT + '/').removesuffix('.md')}.json"


def comparison_data(page: str) -> str:
    """Raw samples of a compare or PR page, for its distribution plots."""
    return f"{ROOT}/api/samples/{page.removeprefix(ROOT + '/').removesuffix('.md')}.json"


@dataclass(frozen=True)
class Links:
    """Relative URLs from one page, as the browser resolves them."""

    page: str  # the page's docs-relative source path
    directory_urls: bool = True

    def url_of(self, path: str) -> str:
        """The site URL of a docs-relative path (pages lose `.md`, other files keep their name)."""
        if not path.endswith(".md"):
            return path
        stem = path.removesuffix(".md")
        if not self.directory_urls:
            return stem + ".html"
        if stem == "index" or stem.endswith("/index"):
            return stem.removesuffix("index")
        return stem + "/"

    def to(self, path: str) -> str:
        own = self.url_of(self.page)
        directory = own if own.endswith("/") or not own else posixpath.dirname(own) + "/"
        target = self.url_of(path)
        rel = relative(target.rstrip("/"), directory.rstrip("/"))
        return rel + "/" if target.endswith("/") or not target else rel

    def md(self, path: str) -> str:
        """A Markdown link target: the other file's source path, which MkDocs checks and rewrites."""
        return relative(path, posixpath.dirname(self.page))


def relative(path: str, start: str) -> str:
    """posixpath.relpath for the clean relative paths of a site, without its filesystem calls:
    a build makes hundreds of thousands of links."""
    to, origin = path.split("/") if path else [], start.split("/") if start else []
    common = 0
    while common < min(len(to), len(origin)) and to[common] == origin[common]:
        common += 1
    return "/".join([".."] * (len(origin) - common) + to[common:]) or "."
