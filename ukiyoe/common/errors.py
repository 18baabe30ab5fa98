"""Errors a user can cause: each carries one line that names what went wrong and where."""


class UkiyoeError(Exception):
    """Base class; the CLI prints the message on one line and exits with ``exit_code``."""

    exit_code = 2


class ConfigError(UkiyoeError):
    """A gin file, params.yaml or ``--bind`` that cannot be compiled."""


class DataError(UkiyoeError):
    """Input data that cannot be prepared or a prepared directory that cannot be read."""


class CheckpointError(UkiyoeError):
    """A checkpoint that is missing, corrupt, unsafe or from another config."""


class TrainingError(UkiyoeError):
    """A run that stopped itself, e.g. the collapse watchdog after its last rollback."""

    exit_code = 1
