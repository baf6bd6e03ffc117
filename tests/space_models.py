"""PyTorch references for candidates of the search spaces in examples/.

Each class builds the network of one candidate of a .nas search space. It
is written from the paper and the structure of its public code, and keeps
that code's module names, so that its state_dict keys equal the tensor
names of `nasc info --genotype G --json`:

  NB201Network      examples/nb201.nas: NAS-Bench-201's TinyNetwork
                    (Dong & Yang, ICLR 2020) for a genotype string such as
                    |nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|...|
  DartsNetwork      examples/darts.nas: DARTS's NetworkCIFAR (Liu et al.,
                    ICLR 2019) for a genotype, with FactorizedReduce either
                    as DARTS computes it (shifted input) or as nasc does
                    (2x2 convolution), see darts_to_nasc_state_dict
  OFAMobileNetV3    examples/mobilenet_space.nas: the subnet of Once-for-All's
                    OFAMobileNetV3 (Cai et al., ICLR 2020) for kernel,
                    expansion and depth lists
  SPOSShuffleNet    examples/shufflenet_space.nas: Single Path One-Shot's
                    ShuffleNetV2_OneShot (Guo et al., ECCV 2020) for a list
                    of 20 choice indices

Every forward returns the logits only. Import this file with tests/ on
sys.path, as tests/space_check.py does.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---- NAS-Bench-201 ----

NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]


def parse_nb201_genotype(text):
    """Return [[(op, input node), ...] for nodes 1, 2, 3] of a NAS-Bench-201 genotype string."""
    nodes = []
    for node_text in text.split("+"):
        edges = []
        for edge_text in node_text.strip("|").split("|"):
            op, source = edge_text.split("~")
            if op not in NB201_OPS:
                raise ValueError(f"unknown NAS-Bench-201 op {op!r} in {text!r}")
            edges.append((op, int(source)))
        nodes.append(edges)
    if [len(edges) for edges in nodes] != [1, 2, 3]:
        raise ValueError(f"a NAS-Bench-201 genotype has 1, 2 and 3 edges per node, not {text!r}")
    return nodes


class ReLUConvBN(nn.Module):
    """ReLU, convolution without bias and batch norm in a Sequential called op."""

    def __init__(self, c_in, c_out, kernel_size, stride=1, padding=0, dilation=1):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(c_in, c_out, kernel_size, stride=stride, padding=padding, dilation=dilation,
                      bias=False),
            nn.BatchNorm2d(c_out))

    def forward(self, x):
        return self.op(x)


class Zero(nn.Module):
    """The none edge: zeros of the input's shape, subsampled by stride."""

    def __init__(self, stride=1):
        super().__init__()
        self.stride = stride

    def forward(self, x):
        return x[:, :, ::self.stride, ::self.stride].mul(0.0)


def nb201_op(name, channels):
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1)
    if name == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3, padding=1)
    return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)


class NB201Cell(nn.Module):
    """A cell for one genotype: edge K of layers feeds its node's sum."""

    def __init__(self, nodes, channels):
        super().__init__()
        self.layers = nn.ModuleList()
        self.node_edges = []
        for edges in nodes:
            indices = []
            for op, source in edges:
                indices.append((len(self.layers), source))
                self.layers.append(nb201_op(op, channels))
            self.node_edges.append(indices)

    def forward(self, x):
        nodes = [x]
        for indices in self.node_edges:
            nodes.append(sum(self.layers[index](nodes[source]) for index, source in indices))
        return nodes[-1]


class NB201Reduction(nn.Module):
    """The residual block with stride 2 between stages."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride=2, padding=1)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, padding=1)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(c_in, c_out, kernel_size=1, bias=False))

    def forward(self, x):
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class NB201Network(nn.Module):
    """Stem, 3 stages of cells_per_stage cells at c, 2c, 4c channels, head."""

    def __init__(self, genotype, c=16, cells_per_stage=5, classes=10):
        super().__init__()
        nodes = parse_nb201_genotype(genotype)
        self.stem = nn.Sequential(nn.Conv2d(3, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        cells = []
        for stage in range(3):
            width = c * 2 ** stage
            if stage > 0:
                cells.append(NB201Reduction(width // 2, width))
            cells.extend(NB201Cell(nodes, width) for _ in range(cells_per_stage))
        self.cells = nn.ModuleList(cells)
        self.lastact = nn.Sequential(nn.BatchNorm2d(4 * c), nn.ReLU())
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(4 * c, classes)

    def forward(self, x):
        x = self.stem(x)
        for cell in self.cells:
            x = cell(x)
        x = self.global_pooling(self.lastact(x))
        return self.classifier(x.flatten(1))


# ---- DARTS ----

class SepConv(nn.Module):
    """DARTS's separable convolution, applied twice."""

    def __init__(self, channels, kernel_size, stride):
        super().__init__()
        pad = kernel_size // 2
        self.op = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(channels, channels, kernel_size, stride, pad, groups=channels, bias=False),
            nn.Conv2d(channels, channels, 1, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(),
            nn.Conv2d(channels, channels, kernel_size, 1, pad, groups=channels, bias=False),
            nn.Conv2d(channels, channels, 1, bias=False),
            nn.BatchNorm2d(channels))

    def forward(self, x):
        return self.op(x)


class DilConv(nn.Module):
    """DARTS's dilated separable convolution (dilation 2)."""

    def __init__(self, channels, kernel_size, stride):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(channels, channels, kernel_size, stride, kernel_size - 1, dilation=2,
                      groups=channels, bias=False),
            nn.Conv2d(channels, channels, 1, bias=False),
            nn.BatchNorm2d(channels))

    def forward(self, x):
        return self.op(x)


class FactorizedReduce(nn.Module):
    """DARTS's FactorizedReduce.

    shifted=True is DARTS: conv_2 is 1x1 on x[:, :, 1:, 1:]. shifted=False
    is examples/darts.nas: conv_2 is a 2x2 convolution with stride 2 on x.
    """

    def __init__(self, c_in, c_out, shifted):
        super().__init__()
        self.shifted = shifted
        self.relu = nn.ReLU()
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out // 2, 1 if shifted else 2, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        x = self.relu(x)
        second = self.conv_2(x[:, :, 1:, 1:] if self.shifted else x)
        return self.bn(torch.cat([self.conv_1(x), second], dim=1))


def darts_op(name, channels, stride, shifted):
    if name == "none":
        return Zero(stride)
    if name == "max_pool_3x3":
        return nn.MaxPool2d(3, stride=stride, padding=1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)
    if name == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(channels, channels, shifted)
    kind, size = name.rsplit("_", 1)
    kernel_size = int(size.split("x")[0])
    if kind == "sep_conv":
        return SepConv(channels, kernel_size, stride)
    if kind == "dil_conv":
        return DilConv(channels, kernel_size, stride)
    raise ValueError(f"unknown DARTS op {name!r}")


class DartsCell(nn.Module):
    """A cell of NetworkCIFAR for ops, 8 (op, input node) pairs, two per intermediate node."""

    def __init__(self, ops, c_prev_prev, c_prev, channels, reduction, reduction_prev, shifted):
        super().__init__()
        if reduction_prev:
            self.preprocess0 = FactorizedReduce(c_prev_prev, channels, shifted)
        else:
            self.preprocess0 = ReLUConvBN(c_prev_prev, channels, 1)
        self.preprocess1 = ReLUConvBN(c_prev, channels, 1)
        self.sources = [source for _, source in ops]
        self._ops = nn.ModuleList(
            darts_op(name, channels, 2 if reduction and source < 2 else 1, shifted) for name, source in ops)

    def forward(self, s0, s1):
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for node in range(4):
            first, second = 2 * node, 2 * node + 1
            states.append(self._ops[first](states[self.sources[first]])
                          + self._ops[second](states[self.sources[second]]))
        return torch.cat(states[2:], dim=1)


class DartsNetwork(nn.Module):
    """NetworkCIFAR without auxiliary head for a normal and a reduction genotype."""

    def __init__(self, normal, reduce, c=16, layers=8, classes=10, stem_multiplier=3, shifted=True):
        super().__init__()
        c_curr = stem_multiplier * c
        self.stem = nn.Sequential(nn.Conv2d(3, c_curr, 3, padding=1, bias=False), nn.BatchNorm2d(c_curr))
        c_prev_prev, c_prev, c_curr = c_curr, c_curr, c
        self.cells = nn.ModuleList()
        reduction_prev = False
        for i in range(layers):
            reduction = i in (layers // 3, 2 * layers // 3)
            if reduction:
                c_curr *= 2
            self.cells.append(DartsCell(reduce if reduction else normal, c_prev_prev, c_prev, c_curr,
                                        reduction, reduction_prev, shifted))
            reduction_prev = reduction
            c_prev_prev, c_prev = c_prev, 4 * c_curr
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, classes)

    def forward(self, x):
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(self.global_pooling(s1).flatten(1))


def darts_to_nasc_state_dict(state):
    """Return a state_dict of a shifted DartsNetwork in the layout of examples/darts.nas.

    Each FactorizedReduce conv_2 weight [o, i, 1, 1] becomes [o, i, 2, 2]
    with the 1x1 kernel at tap [1, 1] and zeros elsewhere.
    """
    converted = {}
    for name, tensor in state.items():
        if name.endswith("conv_2.weight"):
            widened = tensor.new_zeros(tensor.shape[0], tensor.shape[1], 2, 2)
            widened[:, :, 1, 1] = tensor[:, :, 0, 0]
            tensor = widened
        converted[name] = tensor
    return converted


# ---- Once-for-All MobileNetV3 ----

def make_divisible(value, divisor=8):
    """Round value to a multiple of divisor, never below divisor or 10% below value."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


class HardSwish(nn.Module):
    def forward(self, x):
        return x * F.relu6(x + 3.0) / 6.0


class HardSigmoid(nn.Module):
    def forward(self, x):
        return F.relu6(x + 3.0) / 6.0


def activation(name):
    return nn.ReLU() if name == "relu" else HardSwish()


class SqueezeExcitation(nn.Module):
    def __init__(self, channels):
        super().__init__()
        squeeze = make_divisible(channels // 4)
        self.fc = nn.Sequential()
        self.fc.add_module("reduce", nn.Conv2d(channels, squeeze, 1))
        self.fc.add_module("relu", nn.ReLU())
        self.fc.add_module("expand", nn.Conv2d(squeeze, channels, 1))
        self.fc.add_module("h_sigmoid", HardSigmoid())

    def forward(self, x):
        return x * self.fc(x.mean(3, keepdim=True).mean(2, keepdim=True))


def named_sequential(*modules):
    sequential = nn.Sequential()
    for name, module in modules:
        sequential.add_module(name, module)
    return sequential


class MBConv(nn.Module):
    """OFA's MBConvLayer with mid expanded channels."""

    def __init__(self, c_in, c_out, mid, kernel_size, stride, se, act):
        super().__init__()
        self.inverted_bottleneck = None
        if mid != c_in:
            self.inverted_bottleneck = named_sequential(
                ("conv", nn.Conv2d(c_in, mid, 1, bias=False)), ("bn", nn.BatchNorm2d(mid)),
                ("act", activation(act)))
        depth = [("conv", nn.Conv2d(mid, mid, kernel_size, stride, kernel_size // 2, groups=mid, bias=False)),
                 ("bn", nn.BatchNorm2d(mid)), ("act", activation(act))]
        if se:
            depth.append(("se", SqueezeExcitation(mid)))
        self.depth_conv = named_sequential(*depth)
        self.point_linear = named_sequential(
            ("conv", nn.Conv2d(mid, c_out, 1, bias=False)), ("bn", nn.BatchNorm2d(c_out)))

    def forward(self, x):
        if self.inverted_bottleneck is not None:
            x = self.inverted_bottleneck(x)
        return self.point_linear(self.depth_conv(x))


class ResidualBlock(nn.Module):
    def __init__(self, conv, residual):
        super().__init__()
        self.conv = conv
        self.residual = residual

    def forward(self, x):
        return self.conv(x) + x if self.residual else self.conv(x)


# Output channels, first stride, squeeze-and-excitation and activation of
# the 5 searchable stages of OFAMobileNetV3 (width 1.0).
OFA_STAGES = [(24, 2, False, "relu"), (40, 2, True, "relu"), (80, 2, False, "hswish"),
              (112, 1, True, "hswish"), (160, 2, True, "hswish")]


class OFAMobileNetV3(nn.Module):
    """The OFA subnet for kernels and expansions (one per active block) and depths (one per stage)."""

    def __init__(self, kernels, expands, depths, classes=1000):
        super().__init__()
        if len(kernels) != sum(depths) or len(expands) != sum(depths):
            raise ValueError(f"{sum(depths)} active blocks need as many kernels and expansions")
        self.first_conv = named_sequential(
            ("conv", nn.Conv2d(3, 16, 3, 2, 1, bias=False)), ("bn", nn.BatchNorm2d(16)), ("act", HardSwish()))
        blocks = [ResidualBlock(MBConv(16, 16, 16, 3, 1, False, "relu"), True)]
        c_in = 16
        block = 0
        for (c_out, first_stride, se, act), depth in zip(OFA_STAGES, depths):
            for i in range(depth):
                stride = first_stride if i == 0 else 1
                mid = make_divisible(round(c_in * expands[block]))
                blocks.append(ResidualBlock(MBConv(c_in, c_out, mid, kernels[block], stride, se, act),
                                            stride == 1 and c_in == c_out))
                c_in = c_out
                block += 1
        self.blocks = nn.Sequential(*blocks)
        self.final_expand_layer = named_sequential(
            ("conv", nn.Conv2d(160, 960, 1, bias=False)), ("bn", nn.BatchNorm2d(960)), ("act", HardSwish()))
        self.feature_mix_layer = named_sequential(
            ("conv", nn.Conv2d(960, 1280, 1, bias=False)), ("act", HardSwish()))
        self.classifier = named_sequential(("dropout", nn.Dropout(0.1)), ("linear", nn.Linear(1280, classes)))

    def forward(self, x):
        x = self.final_expand_layer(self.blocks(self.first_conv(x)))
        x = self.feature_mix_layer(x.mean(3, keepdim=True).mean(2, keepdim=True))
        return self.classifier(x.flatten(1))


# ---- Single Path One-Shot ShuffleNetV2 ----

SPOS_CHOICES = ["shuffle3x3", "shuffle5x5", "shuffle7x7", "xception"]


class SPOSBlock(nn.Module):
    """A ShuffleNetV2 choice block: choice 0-2 is Shuffle3x3/5x5/7x7, 3 is Xception."""

    def __init__(self, c_in, c_out, choice, stride):
        super().__init__()
        self.stride = stride
        inp = c_in if stride == 2 else c_in // 2
        mid = c_out // 2
        outputs = c_out - inp
        kernel_size = [3, 5, 7, 3][choice]
        pad = kernel_size // 2
        if choice < 3:
            layers = [nn.Conv2d(inp, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(),
                      nn.Conv2d(mid, mid, kernel_size, stride, pad, groups=mid, bias=False), nn.BatchNorm2d(mid),
                      nn.Conv2d(mid, outputs, 1, bias=False), nn.BatchNorm2d(outputs), nn.ReLU()]
        else:
            layers = [nn.Conv2d(inp, inp, 3, stride, 1, groups=inp, bias=False), nn.BatchNorm2d(inp),
                      nn.Conv2d(inp, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(),
                      nn.Conv2d(mid, mid, 3, 1, 1, groups=mid, bias=False), nn.BatchNorm2d(mid),
                      nn.Conv2d(mid, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(),
                      nn.Conv2d(mid, mid, 3, 1, 1, groups=mid, bias=False), nn.BatchNorm2d(mid),
                      nn.Conv2d(mid, outputs, 1, bias=False), nn.BatchNorm2d(outputs), nn.ReLU()]
        self.branch_main = nn.Sequential(*layers)
        if stride == 2:
            self.branch_proj = nn.Sequential(
                nn.Conv2d(inp, inp, kernel_size, stride, pad, groups=inp, bias=False), nn.BatchNorm2d(inp),
                nn.Conv2d(inp, inp, 1, bias=False), nn.BatchNorm2d(inp), nn.ReLU())

    def forward(self, x):
        if self.stride == 2:
            return torch.cat([self.branch_proj(x), self.branch_main(x)], dim=1)
        # Even channels pass through and odd channels feed branch_main.
        return torch.cat([x[:, 0::2], self.branch_main(x[:, 1::2])], dim=1)


SPOS_STAGE_LAYERS = [4, 4, 8, 4]
SPOS_STAGE_CHANNELS = [64, 160, 320, 640]


class SPOSShuffleNet(nn.Module):
    """ShuffleNetV2_OneShot for 20 choice indices (0-3, see SPOS_CHOICES)."""

    def __init__(self, choices, classes=1000):
        super().__init__()
        if len(choices) != sum(SPOS_STAGE_LAYERS):
            raise ValueError(f"SPOS has {sum(SPOS_STAGE_LAYERS)} choice layers, not {len(choices)}")
        self.first_conv = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        blocks = []
        c_in = 16
        for layers, c_out in zip(SPOS_STAGE_LAYERS, SPOS_STAGE_CHANNELS):
            for i in range(layers):
                blocks.append(SPOSBlock(c_in, c_out, choices[len(blocks)], 2 if i == 0 else 1))
                c_in = c_out
        self.features = nn.Sequential(*blocks)
        self.conv_last = nn.Sequential(nn.Conv2d(640, 1024, 1, bias=False), nn.BatchNorm2d(1024), nn.ReLU())
        self.classifier = nn.Sequential(nn.Linear(1024, classes, bias=False))

    def forward(self, x):
        x = self.conv_last(self.features(self.first_conv(x)))
        return self.classifier(x.mean((2, 3)))
