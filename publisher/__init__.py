"""publisher: public incident communication, written once, published everywhere, exactly once."""

__version__ = "0.1.0"
