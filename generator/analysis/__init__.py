"""Pure statistics over series of runs: noise, verdicts, change points. No I/O."""
