"""deconvnet: convolutional sparse coding and deconvolutional networks on NumPy arrays.

The engine is the C++ library of the deconvnet executables; every function here gives, for the
same settings and thread count, the same numbers as the executable it mirrors (docs/python.md).

Arrays use the axis orders of docs/file_formats.md:
    image         (H, W) or (C, H, W)
    feature maps  (K, Hm, Wm)
    dictionary    (K, h, w) or (K, C, h, w)
float32 or float64 in any memory order; results are new C-ordered arrays.

Functions: learn (-> LearnedModel, a Model with .history), sparse_code, load_model (-> Model: reconstruct, features, filters_in_pixel_space,
save, dictionary, layers, settings, layer_settings), preprocess, montage.
Errors: ValueError for bad arguments, OSError for files, KeyboardInterrupt on Ctrl-C.
"""

from ._deconvnet import (
    LearnedModel,
    Model,
    ReconstructionResult,
    SparseCodeResult,
    learn,
    load_model,
    montage,
    preprocess,
    sparse_code,
)

__all__ = [
    "LearnedModel",
    "Model",
    "ReconstructionResult",
    "SparseCodeResult",
    "learn",
    "load_model",
    "montage",
    "preprocess",
    "sparse_code",
]
