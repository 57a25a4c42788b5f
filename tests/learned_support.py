"""Shared setup for the learned networks' tests (numpy inference against the PyTorch twin)."""

import sys
from pathlib import Path

import numpy as np

from txmalign_gui.engine.learned import load_network

TRAINING = Path(__file__).resolve().parents[1] / "training"


def randomise_batch_norm(model) -> None:
    """Give every BatchNorm2d of a torch `model` non-trivial statistics and affine terms (seed torch first),
    so exporting with folded batch norm is really tested, then put the model in eval mode."""
    import torch

    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.2, 0.2)
    model.eval()


def numpy_and_torch_outputs(model_module: str, model_class: str, folder: Path):
    """(the numpy network, its output, the torch model's output) for a seeded, batch-norm-randomised
    `model_class` of training/`model_module`, exported to `folder` and loaded back without torch."""
    import torch

    sys.path.insert(0, str(TRAINING))
    module = __import__(model_module)
    torch.manual_seed(0)
    model = getattr(module, model_class)()
    randomise_batch_norm(model)
    module.export(model, folder / "net.npz")
    x = np.random.default_rng(1).normal(size=(3, *model.spec["input"])).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    network = load_network(folder / "net.npz")
    return network, network(x), expected
