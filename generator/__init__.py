"""perfpages: continuous benchmarking with results in git and a static dashboard.

The package is layered as DESIGN.md describes: ``config`` reads perfpages.yml,
``runner`` measures scenarios, ``results`` owns the on-disk format, ``git`` is
the only module that talks to git, and ``cli`` is the only one that prints.
"""

__version__ = "0.2.0"

__all__ = ["__version__"]
