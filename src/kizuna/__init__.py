"""kizuna (絆): a self-hosted customer engagement platform."""

__version__ = "0.1.0"
