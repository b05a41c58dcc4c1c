"""The project's exceptions: every error newscrawl raises on purpose derives from NewscrawlError."""


class NewscrawlError(Exception):
    """Base of every error newscrawl raises on purpose."""


class ConfigurationError(NewscrawlError, ValueError):
    """A spider argument, setting or environment variable has a value we cannot use."""


class ExtractionError(NewscrawlError):
    """A page could not be understood as a Pangea article (the message says why)."""
