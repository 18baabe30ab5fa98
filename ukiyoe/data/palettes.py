"""Woodblock palettes for the synthetic scenes: a handful of pigments printed as flat fields.

Each palette is one "mode axis" of the synthetic data set; the colours are chosen so that every palette
stays recognisable after per-image jitter, whatever the motif.
"""

from __future__ import annotations

import numpy as np

# Role of each colour in a scene; every palette defines all of them.
ROLES = ("sky_top", "sky_low", "water", "water_light", "land", "accent", "dark", "light")

PALETTES: dict[str, dict[str, tuple[int, int, int]]] = {
    # Prussian blue and indigo on cream paper: the Hokusai blues.
    "prussian": {
        "sky_top": (36, 62, 118),
        "sky_low": (232, 224, 200),
        "water": (28, 50, 102),
        "water_light": (104, 146, 186),
        "land": (150, 132, 96),
        "accent": (206, 186, 140),
        "dark": (22, 26, 40),
        "light": (246, 240, 222),
    },
    # Vermilion sky, indigo water, ochre land: dawn prints and the red Fuji.
    "vermilion": {
        "sky_top": (206, 66, 42),
        "sky_low": (240, 206, 160),
        "water": (40, 78, 96),
        "water_light": (108, 150, 150),
        "land": (186, 134, 62),
        "accent": (178, 46, 32),
        "dark": (34, 22, 20),
        "light": (248, 236, 212),
    },
    # Ochre and olive: autumn landscapes.
    "ochre": {
        "sky_top": (198, 150, 64),
        "sky_low": (242, 222, 172),
        "water": (92, 108, 72),
        "water_light": (156, 164, 112),
        "land": (118, 86, 46),
        "accent": (160, 62, 36),
        "dark": (42, 30, 18),
        "light": (246, 236, 206),
    },
    # Sumi ink greys: night and snow scenes.
    "sumi": {
        "sky_top": (30, 30, 36),
        "sky_low": (118, 116, 120),
        "water": (62, 64, 72),
        "water_light": (146, 146, 150),
        "land": (20, 20, 24),
        "accent": (204, 194, 164),
        "dark": (6, 6, 8),
        "light": (234, 230, 216),
    },
    # Beni pink and verdigris: spring scenes.
    "beni": {
        "sky_top": (214, 118, 134),
        "sky_low": (246, 228, 216),
        "water": (56, 126, 114),
        "water_light": (146, 192, 170),
        "land": (92, 128, 66),
        "accent": (190, 54, 78),
        "dark": (38, 40, 30),
        "light": (250, 244, 230),
    },
}
PALETTE_NAMES = tuple(PALETTES)


def jittered_palette(name: str, rng: np.random.Generator, count: int) -> dict[str, np.ndarray]:
    """Per-image colours: one shared tint per image plus a small independent shift per pigment."""
    tint = rng.normal(0.0, 5.0, size=(count, 1, 3))
    table = np.array([PALETTES[name][role] for role in ROLES], dtype=np.float32)[None]
    colours = np.clip(table + tint + rng.normal(0.0, 3.0, size=(count, len(ROLES), 3)), 0, 255)
    return {role: colours[:, i].astype(np.float32) for i, role in enumerate(ROLES)}
