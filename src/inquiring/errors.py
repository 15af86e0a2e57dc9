"""Errors the library raises on purpose; the CLI turns each into one clear line."""


class InquiringError(Exception):
    """A problem the user can fix; the message says how."""


class VaultNotFound(InquiringError):
    pass


class NotFound(InquiringError):
    pass
