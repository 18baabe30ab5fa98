"""``ukiyoe sample``: images, a grid and latent interpolation strips from any trained checkpoint."""
