"""PNG figures for the compare report: the training-curve panels and the side-by-side sample grids."""

from __future__ import annotations

import io
from pathlib import Path

from ukiyoe.compare.history import TrainingHistory

PANELS = (("g_loss", "generator loss"), ("d_loss", "discriminator loss"), ("d_gap", "D(real) - D(fake)"))
SIDE_COLOURS = {"before": "tab:red", "after": "tab:blue"}
GRID_HEIGHT = 384
LABEL_BAND = 28


def _series(history: TrainingHistory, name: str) -> list[float] | None:
    if name != "d_gap":
        return history.column(name)
    real, fake = history.column("d_real"), history.column("d_fake")
    return [r - f for r, f in zip(real, fake, strict=True)] if real and fake else None


def loss_trend_png(histories: dict[str, TrainingHistory | None]) -> bytes | None:
    """One panel per training curve, both sides overlaid; None when neither side has a history."""
    present = {label: history for label, history in histories.items() if history is not None}
    if not present:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(PANELS), figsize=(12, 3.4), constrained_layout=True)
    for axis, (name, title) in zip(axes, PANELS, strict=True):
        for label, history in present.items():
            values = _series(history, name)
            if values:
                axis.plot(history.epochs, values, label=label, color=SIDE_COLOURS.get(label))
        axis.set_title(title)
        axis.set_xlabel("epoch")
        axis.grid(alpha=0.3)
        if axis.has_data():
            axis.legend()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


def side_by_side_png(panels: list[tuple[str, Path]]) -> bytes | None:
    """Grids scaled to one height (nearest neighbour keeps pixels honest) with a caption band above each."""
    if not panels:
        return None
    from PIL import Image, ImageDraw, ImageFont

    images = []
    for caption, path in panels:
        with Image.open(path) as image:
            rgb = image.convert("RGB")
        width = max(1, round(rgb.width * GRID_HEIGHT / rgb.height))
        images.append((caption, rgb.resize((width, GRID_HEIGHT), Image.Resampling.NEAREST)))
    gap = 12
    canvas = Image.new("RGB", (sum(im.width for _, im in images) + gap * (len(images) + 1),
                               GRID_HEIGHT + LABEL_BAND + gap), "white")
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=16)
    left = gap
    for caption, image in images:
        draw.text((left, 5), caption, fill="black", font=font)
        canvas.paste(image, (left, LABEL_BAND))
        left += image.width + gap
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return buffer.getvalue()
