"""syngen: synthetic rows that look and behave like a small real dataset."""

__version__ = "0.1.0"
