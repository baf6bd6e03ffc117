# MobileNetV2 (Sandler et al. 2018, "MobileNetV2: Inverted Residuals and
# Linear Bottlenecks"), mirroring torchvision 0.14's mobilenet_v2:
# the same layers, state_dict keys, parameter count (3,504,872) and MACs.
# width scales every layer's channels, rounded to a multiple of 8, but the
# last convolution keeps at least 1280 channels.

import "common.nas"
import "mobilenet.nas"

network mobilenet_v2(input = [3, 224, 224], classes = 1000, width = 1.0) {
    # Expansion factor t, output channels c, repeats n, first stride s.
    settings = [[1, 16, 1, 1],
                [6, 24, 2, 2],
                [6, 32, 3, 2],
                [6, 64, 4, 2],
                [6, 96, 3, 1],
                [6, 160, 3, 2],
                [6, 320, 1, 1]]
    first_channels = make_divisible(32 * width)
    last_channels = make_divisible(1280 * max(1.0, width))

    x = in | seq as features {
        conv_bn_act(first_channels, stride = 2, act = relu6)
        repeat row in settings {
            out = make_divisible(row[1] * width)
            repeat i in range(row[2]) {
                inverted_residual(out, stride = if i == 0 then row[3] else 1, expand = row[0])
            }
        }
        conv_bn_act(last_channels, k = 1, act = relu6)
    }

    x = global_avgpool(x)
    x = flatten(x)
    return x | seq as classifier {
        dropout(p = 0.2)
        linear(classes)
    }
}
