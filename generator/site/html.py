"""Raw-HTML building blocks for generated pages; every untrusted string goes through ``text``.

Braces are escaped too, so no template engine downstream ever sees a ``{{``
placeholder in a commit subject or scenario name.
"""

from __future__ import annotations

from perfpages.render.escape import html_text, yaml_string
from perfpages.render.markdown import safe_url

text = html_text  # the HTML layer of generator/render/escape.py, under the name its callers use


def link(href: str, label: str, **attrs: str) -> str:
    extra = "".join(f' {name.rstrip("_")}="{text(v)}"' for name, v in attrs.items())
    return f'<a href="{text(href)}"{extra}>{text(label)}</a>'


def front_matter(title: str, *, searchable: bool = True, hide: tuple[str, ...] = ()) -> str:
    """YAML front matter. Themes print the title unescaped (in <title> and the header), so it is
    HTML-escaped here, then written as a YAML string that reads back exactly (emoji included)."""
    lines = ["---", f"title: {yaml_string(text(title))}"]
    if hide:
        lines += ["hide:", *[f"  - {item}" for item in hide]]
    if not searchable:
        lines += ["search:", "  exclude: true"]
    return "\n".join([*lines, "---", ""]) + "\n"


def repository_link(repository: str | None, kind: str, target: str) -> str | None:
    """A link to a commit or a commit range on the repository host, when it is a web URL."""
    if not repository or not repository.startswith(("https://", "http://")):
        return None
    return safe_url(f"{repository.rstrip('/')}/{kind}/{target}")


VERDICTS = "pp-table pp-verdicts"  # the wrapper's classes of a comparison table, which perfpages.css tightens


def table(headers: list[str], rows: list[list[str]], *, wrap: tuple[int, ...] = (), classes: str = "pp-table") -> str:
    """A raw-HTML table; cells must already be HTML (escaped through ``text``, or trusted literals).
    Columns in ``wrap`` hold names that may break anywhere; perfpages.css keeps the others on one line.

    Raw HTML rather than a Markdown table, because these tables also sit inside ``<details>``: Markdown
    in a raw HTML block stays literal text unless MkDocs enables md_in_html, which perfpages cannot
    assume of a user's own mkdocs.yml. The table itself has no class, so Material styles it (and wraps
    it to scroll sideways) like a Markdown one; the wrapper's class lets perfpages.css tighten it."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    tags = ['<td class="pp-wrap">' if i in wrap else "<td>" for i in range(len(headers))]
    body = "\n".join(
        "<tr>" + "".join(f"{tag}{cell}</td>" for tag, cell in zip(tags, row, strict=True)) + "</tr>" for row in rows
    )
    lines = [f'<div class="{classes}">', "<table>", f"<thead><tr>{head}</tr></thead>", "<tbody>", body]
    return "\n".join([*lines, "</tbody>", "</table>", "</div>"])


# Text, not emoji: a reader without an emoji font would see an empty box. The colour is the badge's.
STATUS_CLASSES = {"regressed": "pp-regressed", "improved": "pp-improved", "unconfirmed": "pp-unconfirmed"}


def status(verdict: str) -> str:
    """A verdict ("regressed", "improved", "unconfirmed", "unchanged", "no-baseline") as a text badge."""
    label = verdict.replace("-", " ")
    css = STATUS_CLASSES.get(verdict, "pp-stable")
    return f'<span class="pp-verdict pp-badge {css}">{text(label)}</span>'


def secondary(value: str) -> str:
    """A cell's second line (HTML already): the metric and machine under a scenario, a subject under a commit."""
    return f'<br><span class="pp-sub">{value}</span>'
