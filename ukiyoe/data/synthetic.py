"""Procedural ukiyo-e-style scenes: flat woodblock colour fields, bold outlines and a few classic motifs.

Every image belongs to one mode, ``motif * len(PALETTE_NAMES) + palette``, and varies inside its mode
(placement, sizes, angles, pigment jitter, paper grain). Images of one motif are drawn together as numpy
arrays over the whole batch, at twice the resolution, then box-filtered down.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ukiyoe.data.palettes import PALETTE_NAMES, jittered_palette

SUPERSAMPLE = 2  # _downsample_with_grain assumes 2
PIXEL_BUDGET = 1 << 22  # supersampled pixels drawn per chunk, keeps memory flat at 128 px


class Canvas:
    """A batch of images being painted: coordinates in [0, 1], y pointing down."""

    def __init__(self, rng: np.random.Generator, count: int, size: int, colours: dict[str, np.ndarray]):
        self.rng = rng
        self.count = count
        centres = (np.arange(size, dtype=np.float32) + 0.5) / size
        self.x = centres[None, None, :]
        self.y = centres[None, :, None]
        self.colours = colours
        self.planes = np.empty((3, count, size, size), dtype=np.float32)  # one plane per channel: fast fills
        self.line = 0.55 / (size / SUPERSAMPLE) + 0.004  # half-width of a bold outline

    def uniform(self, low: float, high: float) -> np.ndarray:
        return self.rng.uniform(low, high, size=(self.count, 1, 1)).astype(np.float32)

    def fill(self, mask: np.ndarray, role: str, alpha: float = 1.0) -> None:
        mask = np.broadcast_to(mask, self.planes.shape[1:])
        for channel, plane in enumerate(self.planes):
            colour = self.colours[role][:, channel, None, None]
            if alpha < 1.0:
                colour = plane + alpha * (colour - plane)
            np.copyto(plane, colour, where=mask)

    def shape(self, sdf: np.ndarray, role: str, outline: str | None = "dark") -> None:
        """Fill where ``sdf < 0`` and stroke its edge: the key-block line of a woodblock print."""
        self.fill(sdf < 0, role)
        if outline is not None:
            self.fill(np.abs(sdf) < self.line, outline)

    def sky(self) -> None:
        """Bokashi: the top band fades from the sky pigment into the paper colour."""
        depth = self.uniform(0.25, 0.6)
        t = np.clip(self.y / depth, 0.0, 1.0)
        for channel, plane in enumerate(self.planes):
            top = self.colours["sky_top"][:, channel, None, None]
            plane[:] = top + t * (self.colours["sky_low"][:, channel, None, None] - top)

    def circle(self, cx: np.ndarray, cy: np.ndarray, r: np.ndarray | float) -> np.ndarray:
        return np.sqrt((self.x - cx) ** 2 + (self.y - cy) ** 2) - r

    def below(self, curve: np.ndarray) -> np.ndarray:
        """Signed distance (vertical) of the region under the curve ``y = curve(x)``."""
        return curve - self.y


def great_wave(c: Canvas) -> None:
    c.sky()
    horizon = c.uniform(0.55, 0.68)
    c.shape(c.below(horizon + 0.02 * np.sin(c.x * 14 + c.uniform(0, 6.3))), "water", outline=None)
    cx, cy, r = c.uniform(0.3, 0.45), c.uniform(0.45, 0.55), c.uniform(0.24, 0.3)
    outer = c.circle(cx, cy, r)
    inner = c.circle(cx + 0.32 * r, cy + 0.28 * r, 0.72 * r)
    body = np.maximum(outer, -inner)
    c.shape(body, "water")
    stripes = (body < -c.line) & (np.sin((outer + r) * 70) > 0.55)
    c.fill(stripes, "water_light")
    start = c.uniform(3.4, 3.7)
    for k in range(6):
        angle = start + k * 0.3
        c.shape(c.circle(cx + r * np.cos(angle), cy + r * np.sin(angle), 0.035), "light")
    swell = c.below(0.84 + 0.04 * np.sin(c.x * 9 + c.uniform(0, 6.3)))
    c.shape(swell, "water_light")


def mount_fuji(c: Canvas) -> None:
    c.sky()
    px, py, slope = c.uniform(0.38, 0.62), c.uniform(0.2, 0.32), c.uniform(0.95, 1.3)
    profile = py + slope * np.maximum(np.abs(c.x - px) - 0.03, 0.0)
    mountain = c.below(profile) / np.sqrt(1 + slope**2)
    c.shape(mountain, "accent")
    snow_line = py + c.uniform(0.1, 0.16) + 0.025 * np.sin(c.x * 45 + c.uniform(0, 6.3))
    c.fill((mountain < -c.line) & (c.y < snow_line), "light")
    c.fill((mountain < 0) & (np.abs(c.y - snow_line) < c.line), "dark")
    c.shape(c.below(0.8 + 0.035 * np.sin(c.x * 8 + c.uniform(0, 6.3))), "land")


def rising_sun(c: Canvas) -> None:
    c.sky()
    cx, cy = c.uniform(0.3, 0.7), c.uniform(0.28, 0.45)
    c.shape(c.circle(cx, cy, c.uniform(0.14, 0.2)), "accent")
    for k in range(3):
        band_y = cy + (k - 0.5) * 0.13 + c.uniform(-0.02, 0.02)
        left, right = c.uniform(-0.1, 0.3), c.uniform(0.65, 1.1)
        along = np.clip(c.x, left, right)
        capsule = np.sqrt((c.x - along) ** 2 + (c.y - band_y) ** 2) - 0.035
        c.shape(capsule, "light")
    sea = c.below(c.uniform(0.76, 0.82) + 0 * c.x)
    c.shape(sea, "water", outline=None)
    c.fill((sea < 0) & (np.sin(c.y * 90) > 0.7), "water_light")


def driving_rain(c: Canvas) -> None:
    c.sky()
    c.shape(c.below(0.55 + 0.08 * np.sin(c.x * 6 + c.uniform(0, 6.3))), "water_light")
    c.shape(c.below(0.72 + 0.05 * np.sin(c.x * 9 + c.uniform(0, 6.3))), "land")
    slant = np.tan(c.uniform(0.15, 0.4))
    phase = (c.x + c.y * slant) * c.uniform(9, 12) + c.uniform(0, 1)
    c.fill((phase % 1.0) < 0.22, "dark", alpha=0.75)


def arched_bridge(c: Canvas) -> None:
    c.sky()
    water_y = c.uniform(0.6, 0.7)
    water = c.below(water_y + 0 * c.x)
    c.shape(water, "water", outline=None)
    c.fill((water < 0) & (np.sin(c.y * 80 + c.x * 6) > 0.75), "water_light")
    cx, top, bend = c.uniform(0.4, 0.6), c.uniform(0.32, 0.42), c.uniform(0.6, 1.0)
    for k in range(5):
        post_x = cx + (k - 2) * 0.16
        deck_at_post = top + bend * (post_x - cx) ** 2
        pillar = np.maximum(
            np.abs(c.x - post_x) - 0.012, np.maximum(deck_at_post - c.y, c.y - water_y - 0.06)
        )
        c.shape(pillar, "land")
    deck = top + bend * (c.x - cx) ** 2
    c.shape(np.abs(c.y - deck) - 0.03, "land")
    c.fill(np.abs(c.y - (deck - 0.06)) < c.line, "dark")


def pine_tree(c: Canvas) -> None:
    c.sky()
    c.shape(c.below(0.8 + 0.04 * np.sin(c.x * 5 + c.uniform(0, 6.3))), "land")
    base, sway, phase = c.uniform(0.3, 0.7), c.uniform(0.03, 0.08), c.uniform(0, 6.3)
    trunk_top = c.uniform(0.2, 0.3)
    trunk_x = base + sway * np.sin(c.y * 4 + phase)
    c.shape(np.maximum(np.abs(c.x - trunk_x) - 0.025, trunk_top - c.y), "dark", outline=None)
    for k in range(3):
        tier_y = trunk_top + k * 0.14
        tier_x = base + sway * np.sin(tier_y * 4 + phase) + c.uniform(-0.06, 0.06)
        width = c.uniform(0.12, 0.2)
        canopy = (np.sqrt(((c.x - tier_x) / width) ** 2 + ((c.y - tier_y) / 0.05) ** 2) - 1) * 0.05
        c.shape(canopy, "water")
        c.fill((canopy < -c.line) & (c.y < tier_y - 0.015), "water_light")


def moon_lake(c: Canvas) -> None:
    c.sky()
    c.fill(c.y < 0.6, "sky_top", alpha=0.6)
    mx, my, r = c.uniform(0.25, 0.75), c.uniform(0.14, 0.28), c.uniform(0.08, 0.12)
    c.shape(c.circle(mx, my, r), "light")
    c.shape(c.below(0.5 + 0.12 * np.abs(np.sin(c.x * 3 + c.uniform(0, 6.3)))), "land")
    lake = c.below(c.uniform(0.72, 0.78) + 0 * c.x)
    c.shape(lake, "water")
    c.fill((lake < -c.line) & (np.abs(c.x - mx) < r * 0.8) & (np.sin(c.y * 70) > 0.2), "light")


def waterfall(c: Canvas) -> None:
    c.sky()
    centre, half = c.uniform(0.4, 0.6), c.uniform(0.1, 0.16)
    left = c.x - (centre - half + 0.05 * np.sin(c.y * 12 + c.uniform(0, 6.3)))
    right = (centre + half + 0.05 * np.sin(c.y * 11 + c.uniform(0, 6.3))) - c.x
    falls = np.maximum(-left, -right)
    c.fill(falls < 0, "water_light")
    c.fill((falls < 0) & (np.sin(c.x * 110 + c.uniform(0, 6.3)) > 0.3), "light")
    c.shape(left, "land")
    c.shape(right, "land")
    c.shape(c.below(c.uniform(0.8, 0.86) + 0 * c.x), "water")
    c.shape(c.circle(centre, 0.82, half * 1.1), "light")


MOTIFS: dict[str, Callable[[Canvas], None]] = {
    "great_wave": great_wave,
    "mount_fuji": mount_fuji,
    "rising_sun": rising_sun,
    "driving_rain": driving_rain,
    "arched_bridge": arched_bridge,
    "pine_tree": pine_tree,
    "moon_lake": moon_lake,
    "waterfall": waterfall,
}
MOTIF_NAMES = tuple(MOTIFS)
MODE_NAMES = tuple(f"{motif}/{palette}" for motif in MOTIF_NAMES for palette in PALETTE_NAMES)
NUM_MODES = len(MODE_NAMES)


def balanced_labels(count: int, rng: np.random.Generator) -> np.ndarray:
    """Every mode appears ``count // NUM_MODES`` or one more times, in random order."""
    return rng.permutation(np.arange(count, dtype=np.int64) % NUM_MODES)


def render(labels: np.ndarray, resolution: int, rng: np.random.Generator) -> np.ndarray:
    """Draw one image per mode label: uint8 (N, resolution, resolution, 3)."""
    size = resolution * SUPERSAMPLE
    chunk = max(1, PIXEL_BUDGET // (size * size))
    out = np.empty((len(labels), resolution, resolution, 3), dtype=np.uint8)
    for start in range(0, len(labels), chunk):
        part = labels[start : start + chunk]
        for mode in np.unique(part):
            where = start + np.flatnonzero(part == mode)
            motif, palette = divmod(int(mode), len(PALETTE_NAMES))
            canvas = Canvas(rng, len(where), size, jittered_palette(PALETTE_NAMES[palette], rng, len(where)))
            MOTIFS[MOTIF_NAMES[motif]](canvas)
            out[where] = _downsample_with_grain(canvas.planes, rng)
    return out


def _downsample_with_grain(planes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Box-filter the supersampled planes and add paper grain: uint8 (N, H, W, 3)."""
    rows = planes[:, :, 0::2] + planes[:, :, 1::2]
    small = (rows[..., 0::2] + rows[..., 1::2]) * 0.25
    small += rng.normal(0.0, 2.5, size=small.shape[1:]).astype(np.float32)
    return np.clip(np.rint(small), 0, 255).astype(np.uint8).transpose(1, 2, 3, 0)


def generate(count: int, resolution: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The synthetic data set: balanced mode labels and their images, a pure function of the arguments."""
    rng = np.random.default_rng([seed, 0x5EED])
    labels = balanced_labels(count, rng)
    return render(labels, resolution, rng), labels
