"""PyTorch definitions of the example networks that torchvision lacks.

MobileNet v1 (Howard et al. 2017, table 1: width 1.0, 224x224) and
ShuffleNet v1 with 3 groups at 1.0x (Zhang et al. 2018, table 1), with
module names chosen so that their state_dict keys equal those of
examples/mobilenet_v1.nas and examples/shufflenet_v1.nas. The tests use
them as the oracle for these two examples, as torchvision is for the rest.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn_relu(in_channels, out_channels, kernel, stride=1, groups=1):
    """Conv (no bias, padding (k - 1) // 2), batch norm, ReLU: keys .0, .1."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel, stride, (kernel - 1) // 2,
                  groups=groups, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class DepthwiseSeparable(nn.Module):
    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.depthwise = conv_bn_relu(in_channels, in_channels, 3, stride, groups=in_channels)
        self.pointwise = conv_bn_relu(in_channels, out_channels, 1)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


class MobileNetV1(nn.Module):
    # Output channels and stride of the 13 depthwise-separable blocks.
    BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
              (512, 1), (512, 1), (512, 1), (512, 1), (512, 1),
              (1024, 2), (1024, 1)]

    def __init__(self, num_classes=1000):
        super().__init__()
        layers = [conv_bn_relu(3, 32, 3, 2)]
        channels = 32
        for out_channels, stride in self.BLOCKS:
            layers.append(DepthwiseSeparable(channels, out_channels, stride))
            channels = out_channels
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.fc(torch.flatten(x, 1))


def channel_shuffle(x, groups):
    n, c, h, w = x.shape
    return x.view(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)


class ShuffleNetV1Unit(nn.Module):
    def __init__(self, in_channels, out_channels, groups, stride, first_grouped=True):
        super().__init__()
        bottleneck = out_channels // 4
        branch = out_channels if stride == 1 else out_channels - in_channels
        self.groups = groups
        self.stride = stride
        self.gconv1 = nn.Conv2d(in_channels, bottleneck, 1,
                                groups=groups if first_grouped else 1, bias=False)
        self.bn1 = nn.BatchNorm2d(bottleneck)
        self.dwconv = nn.Conv2d(bottleneck, bottleneck, 3, stride, 1, groups=bottleneck,
                                bias=False)
        self.bn2 = nn.BatchNorm2d(bottleneck)
        self.gconv2 = nn.Conv2d(bottleneck, branch, 1, groups=groups, bias=False)
        self.bn3 = nn.BatchNorm2d(branch)

    def forward(self, x):
        y = F.relu(self.bn1(self.gconv1(x)))
        y = channel_shuffle(y, self.groups)
        y = self.bn2(self.dwconv(y))
        y = self.bn3(self.gconv2(y))
        if self.stride == 1:
            return F.relu(x + y)
        return F.relu(torch.cat([F.avg_pool2d(x, 3, self.stride, 1), y], 1))


class ShuffleNetV1(nn.Module):
    # Output channels and units of stages 2, 3 and 4 for 3 groups at 1.0x.
    STAGES = [(240, 4), (480, 8), (960, 4)]

    def __init__(self, groups=3, num_classes=1000):
        super().__init__()
        self.conv1 = conv_bn_relu(3, 24, 3, 2)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        channels = 24
        for index, (out_channels, units) in enumerate(self.STAGES):
            stage = []
            for unit in range(units):
                stage.append(ShuffleNetV1Unit(channels, out_channels, groups,
                                              2 if unit == 0 else 1,
                                              first_grouped=not (index == 0 and unit == 0)))
                channels = out_channels
            setattr(self, f"stage{index + 2}", nn.Sequential(*stage))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = self.maxpool(self.conv1(x))
        x = self.stage4(self.stage3(self.stage2(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


REFERENCE_NETWORKS = {
    "mobilenet_v1": MobileNetV1,
    "shufflenet_v1": ShuffleNetV1,
}
