"""Turn analysis results into text: Markdown, JSON. Pure: no I/O."""
