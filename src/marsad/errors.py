"""One catalogue of errors. The library raises these; the CLI prints them as one line."""

from __future__ import annotations


class MarsadError(Exception):
    """Base class: a problem the user can act on. ``exit_code`` is what the CLI returns."""

    exit_code = 1


class InputError(MarsadError):
    """The input cannot be read as an article (empty, binary, undecodable, malformed)."""

    exit_code = 65  # EX_DATAERR


class ConfigError(MarsadError):
    """A configuration or a pipeline definition is invalid (unknown stage, bad order)."""

    exit_code = 78  # EX_CONFIG


class ModelError(MarsadError):
    """A shipped model or data file is missing or corrupt."""

    exit_code = 70


class SchemaError(MarsadError):
    """A serialised document has an unsupported schema."""

    exit_code = 65


class DataError(MarsadError):
    """Training or evaluation data is missing or malformed."""

    exit_code = 66  # EX_NOINPUT


class StageError(MarsadError):
    """A pipeline stage failed unexpectedly on a document (a bug, reported in one line)."""

    exit_code = 70  # EX_SOFTWARE
