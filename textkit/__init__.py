"""textkit: Finnish search and text analytics for the ESR+ national theme reviews."""

__version__ = "0.1.0"
