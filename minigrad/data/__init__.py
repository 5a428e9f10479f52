"""Synthetic data sets (as NumPy arrays), splits, mini-batches and standardisation.

Conventions, the same for every generator:

* each takes the number of examples ``n`` and a ``seed`` (an int or a
  ``numpy.random.Generator``) and is reproducible;
* ``X`` is float32 of shape (n, d): one example per row;
* binary sets give ``y`` float32 of shape (n, 1) (what a sigmoid output and
  binary cross-entropy expect); sets with more than two classes give ``y`` int64
  of shape (n,) (class ids for cross-entropy). A multi-class generator asked for
  two classes therefore returns the binary form.

The helpers (`split`, `train_dev_split`, `batches`, `Standardizer`, `blur`,
`darken`) accept NumPy arrays or Tensors and give back the kind they were given.
"""
from __future__ import annotations

from ._common import one_hot
from .images import (ATTRIBUTE_DTYPE, ATTRIBUTES, SHAPES, Images, blur, darken, make_shapes, make_web_and_phone,
                     synthesize_phone)
from .loading import Standardizer, batches, split, split_indices, train_dev_split
from .toy import (flip_labels, gaussian_bayes_error, make_blobs, make_circles, make_flower, make_moons,
                  make_overlapping_gaussians, make_parity, make_spirals, make_xor)

__all__ = [
    "ATTRIBUTES", "ATTRIBUTE_DTYPE", "Images", "SHAPES", "Standardizer", "batches", "blur", "darken",
    "flip_labels", "gaussian_bayes_error", "make_blobs", "make_circles", "make_flower", "make_moons",
    "make_overlapping_gaussians", "make_parity", "make_shapes", "make_spirals", "make_web_and_phone", "make_xor",
    "one_hot", "split", "split_indices", "synthesize_phone", "train_dev_split",
]
