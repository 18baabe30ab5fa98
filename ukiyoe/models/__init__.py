"""Networks only: mapping, style generator, NCA refiner, CNN discriminator, transformer critic.

Importing this package registers their gin configurables under the module name ``ukiyoe.models``.
"""

from ukiyoe.models.composite import GeneratorOutput, Networks, StyleNCAGenerator, build_networks
from ukiyoe.models.critic import TransformerCritic
from ukiyoe.models.discriminator import Discriminator
from ukiyoe.models.ema import make_ema, update_ema
from ukiyoe.models.generator import Generator
from ukiyoe.models.mapping import MappingNetwork
from ukiyoe.models.nca import NCAOutput, NCARefiner

__all__ = [
    "Discriminator",
    "Generator",
    "GeneratorOutput",
    "MappingNetwork",
    "NCAOutput",
    "NCARefiner",
    "Networks",
    "StyleNCAGenerator",
    "TransformerCritic",
    "build_networks",
    "make_ema",
    "update_ema",
]
