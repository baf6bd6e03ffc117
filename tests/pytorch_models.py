"""PyTorch models of the example networks, and deterministic random weights for them.

MODELS maps each example name (examples/NAME.nas) to a function that
returns an eval-mode module. Its state_dict keys equal the "tensors" names
of `nasc info examples/NAME.nas --json`, and its forward returns the
network's outputs in the order of the network's `return`: one tensor, or a
tuple for primitives. The models come from torchvision 0.14 (built with
weights=None) where it has one, and from tests/reference_models.py for
mobilenet_v1 and shufflenet_v1.

randomize(module, seed) replaces every parameter and buffer with values
drawn from a generator seeded with seed, so that the same seed gives
bit-identical weights whatever the global RNG did while the module was
built. Import this file with tests/ on sys.path, as the scripts in tests/
do when they run.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.models as torchvision_models

from reference_models import MobileNetV1, ShuffleNetV1

# Bounds of the random batch-norm statistics and affine parameters.
RUNNING_MEAN_STD_RANGE = (0.1, 0.5)
RUNNING_VAR_RANGE = (0.5, 2.0)
BN_WEIGHT_RANGE = (0.5, 1.5)
BN_BIAS_STD = 0.2
NUM_BATCHES_TRACKED_MAX = 10_000


class Primitives(nn.Module):
    """examples/primitives.nas: five layers side by side on one 8x32x32 input."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(8, 16)
        self.normal = nn.Conv2d(8, 16, 3, padding=1)
        self.depthwise = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.grouped = nn.Conv2d(8, 16, 3, padding=1, groups=4)
        self.pointwise = nn.Conv2d(8, 16, 1)

    def forward(self, x):
        pooled = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return (self.linear(pooled), self.normal(x), self.depthwise(x),
                self.grouped(x), self.pointwise(x))


def primitives():
    return Primitives().eval()


def resnet18():
    return torchvision_models.resnet18(weights=None).eval()


def resnet50():
    return torchvision_models.resnet50(weights=None).eval()


def resnext50_32x4d():
    return torchvision_models.resnext50_32x4d(weights=None).eval()


def mobilenet_v1():
    return MobileNetV1().eval()


def mobilenet_v2():
    return torchvision_models.mobilenet_v2(weights=None).eval()


def mobilenet_v3_small():
    return torchvision_models.mobilenet_v3_small(weights=None).eval()


def shufflenet_v1():
    return ShuffleNetV1().eval()


def shufflenet_v2_x1_0():
    return torchvision_models.shufflenet_v2_x1_0(weights=None).eval()


def mnasnet1_0():
    return torchvision_models.mnasnet1_0(weights=None).eval()


# Example name -> function returning its eval-mode PyTorch model.
MODELS = {
    "primitives": primitives,
    "resnet18": resnet18,
    "resnet50": resnet50,
    "resnext50_32x4d": resnext50_32x4d,
    "mobilenet_v1": mobilenet_v1,
    "mobilenet_v2": mobilenet_v2,
    "mobilenet_v3_small": mobilenet_v3_small,
    "shufflenet_v1": shufflenet_v1,
    "shufflenet_v2_x1_0": shufflenet_v2_x1_0,
    "mnasnet1_0": mnasnet1_0,
}


def _uniform(generator, shape, low, high):
    return torch.rand(shape, generator=generator) * (high - low) + low


def _randomize_weighted(module, generator):
    """Draw a Conv2d or Linear layer's weight and bias.

    The weight is He-normal over fan-in (std sqrt(2 / fan_in), with fan_in =
    in_channels / groups * kh * kw), which keeps the mean square of the
    activations about constant through a convolution and ReLU. The fan-out
    scaling that torchvision's init uses is not enough here: in eval mode
    batch norm divides by the random running_var and not by the batch's
    variance, so it no longer restores the scale. A depthwise convolution
    has fan_out = channels * fan_in, so the fan-out init would scale its
    output down by sqrt(channels) (6 to 32 times in these networks) at
    every layer. The bias keeps PyTorch's default, uniform in
    +-1 / sqrt(fan_in).
    """
    weight = module.weight
    fan_in = weight[0].numel()
    weight.copy_(torch.randn(weight.shape, generator=generator) * math.sqrt(2.0 / fan_in))
    if module.bias is not None:
        bound = 1.0 / math.sqrt(fan_in)
        module.bias.copy_(_uniform(generator, module.bias.shape, -bound, bound))


def _randomize_batch_norm(module, generator):
    """Draw non-trivial batch-norm statistics, so that folding them into a convolution matters.

    running_mean is normal around 0 with a per-layer std drawn from
    RUNNING_MEAN_STD_RANGE, running_var uniform in RUNNING_VAR_RANGE, weight
    uniform in BN_WEIGHT_RANGE and bias normal with std BN_BIAS_STD.
    """
    channels = module.num_features
    mean_std = _uniform(generator, [], *RUNNING_MEAN_STD_RANGE).item()
    module.running_mean.copy_(torch.randn(channels, generator=generator) * mean_std)
    module.running_var.copy_(_uniform(generator, [channels], *RUNNING_VAR_RANGE))
    if module.affine:
        module.weight.copy_(_uniform(generator, [channels], *BN_WEIGHT_RANGE))
        module.bias.copy_(torch.randn(channels, generator=generator) * BN_BIAS_STD)
    # Plays no part at inference, but a non-zero count checks that I64 tensors export intact.
    module.num_batches_tracked.fill_(
        int(torch.randint(1, NUM_BATCHES_TRACKED_MAX, [], generator=generator)))


def randomize(module, seed):
    """Replace every parameter and buffer of module with random values drawn from seed.

    Modules are visited in named_modules() order with one torch.Generator,
    so the result depends only on the architecture and seed. Conv2d and
    Linear layers get He-normal weights (see _randomize_weighted), and
    BatchNorm2d layers the statistics of _randomize_batch_norm. Raises
    TypeError for any other module that has its own parameters or buffers,
    because those would keep their construction-time values. Returns the
    module, in eval mode.
    """
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, submodule in module.named_modules():
            if isinstance(submodule, (nn.Conv2d, nn.Linear)):
                _randomize_weighted(submodule, generator)
            elif isinstance(submodule, nn.BatchNorm2d):
                if not submodule.track_running_stats:
                    raise TypeError(f"{name}: BatchNorm2d without running statistics cannot be randomized")
                _randomize_batch_norm(submodule, generator)
            elif (any(True for _ in submodule.parameters(recurse=False))
                  or any(True for _ in submodule.buffers(recurse=False))):
                raise TypeError(f"{name or 'the root module'}: cannot randomize a "
                                f"{type(submodule).__name__}, only Conv2d, Linear and BatchNorm2d")
    return module.eval()
