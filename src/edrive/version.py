"""edrive's version (as in pyproject.toml), importable from any layer without the package's
public API."""

__version__ = "0.1.0"
