# Blocks of MobileNet v1 and v2: the depthwise-separable convolution and
# the inverted residual. The v2 block mirrors torchvision 0.14
# (torchvision/models/mobilenetv2.py), layer names included. MobileNetV3's
# block is in mobilenet_v3.nas.

import "common.nas"

# MobileNet v1 (Howard et al. 2017): a 3x3 depthwise convolution (strided
# when stride > 1) and a 1x1 pointwise convolution to out channels, each
# followed by batch norm and act. Layers: depthwise.0-2, pointwise.0-2.
block depthwise_separable(out, stride = 1, act = relu) {
    x = conv_bn_act(in, in.c, stride = stride, groups = in.c, act = act) as depthwise
    return conv_bn_act(x, out, k = 1, act = act) as pointwise
}

# MobileNetV2's inverted residual (Sandler et al. 2018): a 1x1 expansion to
# in.c * expand channels (left out when expand is 1), a 3x3 depthwise
# convolution, both with ReLU6, then a linear 1x1 projection to out channels.
# The input is added back when stride is 1 and out equals in.c.
# Layers: conv.0, conv.1 ... as torchvision's InvertedResidual.conv.
block inverted_residual(out, stride = 1, expand = 6) {
    hidden = int(round(in.c * expand))
    y = in | seq as conv {
        if expand != 1 {
            conv_bn_act(hidden, k = 1, act = relu6)
        }
        conv_bn_act(hidden, stride = stride, groups = hidden, act = relu6)
        conv(out, k = 1, bias = false)
        bn
    }
    return if stride == 1 and in.c == out then in + y else y
}
