# MobileNetV3's block, mirroring torchvision 0.14
# (torchvision/models/mobilenetv3.py), layer names included.

import "common.nas"

# MobileNetV3's inverted residual (Howard et al. 2019): a 1x1 expansion to
# expanded channels (left out when expanded equals in.c), a k x k depthwise
# convolution, optional squeeze-and-excitation with expanded // 4 channels
# rounded by make_divisible, and a linear 1x1 projection to out channels.
# act is relu or hardswish. With dilation > 1 the depthwise convolution is
# dilated and not strided, as in torchvision. The input is added back when
# stride is 1 and out equals in.c. Batch norm uses eps 0.001, as
# torchvision's MobileNetV3. Layers: block.0, block.1 ... as torchvision's
# InvertedResidual.block.
block inverted_residual_v3(out, expanded, k = 3, stride = 1, se = false, act = relu,
                           dilation = 1, eps = 0.001) {
    dw_stride = if dilation > 1 then 1 else stride
    y = in | seq as block {
        if expanded != in.c {
            conv_bn_act(expanded, k = 1, act = act, eps = eps)
        }
        conv_bn_act(expanded, k = k, stride = dw_stride, dilation = dilation,
                    groups = expanded, act = act, eps = eps)
        if se {
            squeeze_excitation(make_divisible(expanded // 4, 8))
        }
        conv_bn(out, k = 1, eps = eps)
    }
    return if stride == 1 and in.c == out then y + in else y
}
