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
