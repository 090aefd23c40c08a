"""``python -m generator`` behaves exactly like the ``perfpages`` console script."""

from generator.cli import main

if __name__ == "__main__":
    main()
