"""Shared setup for the learned networks' tests (numpy inference against the PyTorch twin)."""


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
