"""Carbon Ledger: a warehouse for group-wide GHG reporting."""

__version__ = "0.1.0"
