# ResNeXt-50 32x4d (Xie et al. 2017, "Aggregated Residual Transformations
# for Deep Neural Networks"): ResNet-50 whose bottlenecks have a grouped
# 3x3 convolution, 32 groups of 4 channels per 64 planes (128 channels in
# layer1 up to 1024 in layer4). Mirrors
# torchvision 0.14's resnext50_32x4d: the same layers, state_dict keys,
# parameter count (25,028,904) and MACs.

import "resnet.nas"

network resnext50_32x4d(input = [3, 224, 224], classes = 1000, groups = 32, base_width = 4) {
    x = conv(in, 64, k = 7, stride = 2, pad = 3, bias = false) as conv1
    x = bn(x) as bn1
    x = relu(x) as relu
    x = maxpool(x, 3, stride = 2, pad = 1) as maxpool

    x = x | seq as layer1 {
        repeat 3 { bottleneck(64, groups = groups, base_width = base_width) }
    }
    x = x | seq as layer2 {
        bottleneck(128, stride = 2, groups = groups, base_width = base_width)
        repeat 3 { bottleneck(128, groups = groups, base_width = base_width) }
    }
    x = x | seq as layer3 {
        bottleneck(256, stride = 2, groups = groups, base_width = base_width)
        repeat 5 { bottleneck(256, groups = groups, base_width = base_width) }
    }
    x = x | seq as layer4 {
        bottleneck(512, stride = 2, groups = groups, base_width = base_width)
        repeat 2 { bottleneck(512, groups = groups, base_width = base_width) }
    }

    x = global_avgpool(x) as avgpool
    x = flatten(x)
    return linear(x, classes) as fc
}
