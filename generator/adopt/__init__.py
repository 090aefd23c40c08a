"""`perfpages init`: find the benchmark tools a repository already uses and write what adopting perfpages takes."""
