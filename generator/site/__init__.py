"""The static dashboard: gather, then render, then write, then MkDocs.

``gather`` turns validated runs into a pure ``Site`` (series, change points,
comparisons); the page modules render it into a dict of files in memory;
``writer`` puts them into the owned, gitignored ``docs/perf/`` folder (only what
changed) and ``build`` runs ``mkdocs build --strict`` over the whole docs tree.
"""
