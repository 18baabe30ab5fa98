"""The train stage: loop, collapse guard, curves, Sacred tracking, multi-process training.

Sampling from a finished run is the GAN's business (``ukiyoe.gan.export``), so later stages never import
this package.
"""
