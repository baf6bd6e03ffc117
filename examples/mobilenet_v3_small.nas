# MobileNetV3-Small (Howard et al. 2019, "Searching for MobileNetV3"),
# mirroring torchvision 0.14's mobilenet_v3_small: the same
# layers, state_dict keys, parameter count (2,542,856) and MACs. Batch norm
# uses eps 0.001. width scales every layer's channels, rounded to a
# multiple of 8.

import "common.nas"
import "mobilenet_v3.nas"

network mobilenet_v3_small(input = [3, 224, 224], classes = 1000, width = 1.0) {
    eps = 0.001
    # Kernel, expanded channels, output channels, squeeze-and-excitation,
    # activation and stride of each block, from torchvision's
    # _mobilenet_v3_conf.
    settings = [[3, 16, 16, true, relu, 2],
                [3, 72, 24, false, relu, 2],
                [3, 88, 24, false, relu, 1],
                [5, 96, 40, true, hardswish, 2],
                [5, 240, 40, true, hardswish, 1],
                [5, 240, 40, true, hardswish, 1],
                [5, 120, 48, true, hardswish, 1],
                [5, 144, 48, true, hardswish, 1],
                [5, 288, 96, true, hardswish, 2],
                [5, 576, 96, true, hardswish, 1],
                [5, 576, 96, true, hardswish, 1]]
    first_channels = make_divisible(16 * width)
    last_block_channels = make_divisible(96 * width)
    head_channels = make_divisible(1024 * width)

    x = in | seq as features {
        conv_bn_act(first_channels, stride = 2, act = hardswish, eps = eps)
        repeat row in settings {
            inverted_residual_v3(make_divisible(row[2] * width), make_divisible(row[1] * width),
                                 k = row[0], stride = row[5], se = row[3], act = row[4], eps = eps)
        }
        conv_bn_act(6 * last_block_channels, k = 1, act = hardswish, eps = eps)
    }

    x = global_avgpool(x) as avgpool
    x = flatten(x)
    return x | seq as classifier {
        linear(head_channels)
        hardswish
        dropout(p = 0.2)
        linear(classes)
    }
}
