"""Networks only: mapping, style generator, NCA refiner, CNN discriminator, transformer critic.

Importing this package registers their gin configurables under the module name ``ukiyoe.gan``.
"""

from ukiyoe.gan.networks.critic import TransformerCritic
from ukiyoe.gan.networks.discriminator import Discriminator
from ukiyoe.gan.networks.ema import make_ema, update_ema
from ukiyoe.gan.networks.generator import Generator, GeneratorOutput, Networks, build_networks
from ukiyoe.gan.networks.mapping import MappingNetwork
from ukiyoe.gan.networks.nca import NCAOutput, NCARefiner
from ukiyoe.gan.networks.synthesis import SynthesisNetwork

__all__ = [
    "Discriminator",
    "SynthesisNetwork",
    "GeneratorOutput",
    "MappingNetwork",
    "NCAOutput",
    "NCARefiner",
    "Networks",
    "Generator",
    "TransformerCritic",
    "build_networks",
    "make_ema",
    "update_ema",
]
