"""Errors the library raises on purpose; the CLI turns each into one clear line."""


class InquiringError(Exception):
    """A problem the user can fix; the message says how."""


class VaultNotFound(InquiringError):
    pass


class NotFound(InquiringError):
    pass


class Cancelled(InquiringError):
    """An ask stopped before saving: its client left, or the server is shutting down."""


class ModelTimeout(InquiringError):
    """The model did not answer in time; the caller decides what to do instead."""


class EditedByHand(InquiringError):
    """A saved line was changed by hand since it was written; rewriting it would lose that."""
