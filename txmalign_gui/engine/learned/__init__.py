"""Small convolutional networks evaluated in plain numpy (no deep-learning framework at run time).

`network.ResNet` runs a residual network described by a JSON spec and float32 weights stored together
in one .npz file (batch normalisation already folded into the convolutions); `weights/` holds the
trained files shipped with the package.
"""

from .network import ResNet, load_network, weights_path

__all__ = ["ResNet", "load_network", "weights_path"]
