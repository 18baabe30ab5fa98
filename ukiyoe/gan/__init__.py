"""The GAN itself: networks, objective, regularizers, schedules and optimizers, wired by ``assemble``.

Importing this package registers every GAN configurable with gin under the module name ``ukiyoe.gan``.
Training and diagnosis depend on it; it depends on neither.
"""

from ukiyoe.gan import loss, networks, optim, regularizers, relativistic, schedules

__all__ = ["loss", "networks", "optim", "regularizers", "relativistic", "schedules"]
