"""Raw-HTML building blocks for generated pages; every untrusted string goes through ``text``.

Braces are escaped too, so no template engine downstream ever sees a ``{{``
placeholder in a commit subject or scenario name.
"""

from __future__ import annotations

import html
import json

from generator.render.markdown import safe_url


def text(value: object) -> str:
    return html.escape(str(value), quote=True).replace("{", "&#123;").replace("}", "&#125;")


def link(href: str, label: str, **attrs: str) -> str:
    extra = "".join(f' {name.rstrip("_")}="{text(v)}"' for name, v in attrs.items())
    return f'<a href="{text(href)}"{extra}>{text(label)}</a>'


def front_matter(title: str, *, searchable: bool = True, hide: tuple[str, ...] = ()) -> str:
    """YAML front matter. Themes print the title unescaped (in <title> and the header), so it is
    HTML-escaped here; JSON quoting makes it a plain YAML string."""
    lines = ["---", f"title: {json.dumps(text(title))}"]
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
