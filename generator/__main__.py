"""``python -m perfpages`` behaves exactly like the ``perfpages`` console script."""

from perfpages.cli import main

if __name__ == "__main__":
    main()
