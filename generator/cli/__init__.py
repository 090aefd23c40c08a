"""The ``perfpages`` command line: the only code that prints or exits.

Exit codes: 0 success; 1 an error perfpages explains (bad config, invalid results,
git failure); 2 wrong usage; 3 the run finished but at least one scenario failed
(its results file is still written, with the failure recorded); 4 `compare` or
`comment --fail-on regression` found a regression; 5 `doctor --strict` found the
machine not ready.
"""

from perfpages.cli import analysis, comment, doctor, importing, init, results, run, site, workflow  # noqa: F401  (each module registers its commands)
from perfpages.cli.app import cli, main

__all__ = ["cli", "main"]
