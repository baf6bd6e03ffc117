# MobileNet v1, width 1.0, 224x224 input, 1000 classes (Howard et al. 2017,
# "MobileNets: Efficient Convolutional Neural Networks for Mobile Vision
# Applications"): a strided 3x3 convolution, then 13 depthwise-separable
# blocks, global average pooling and a linear classifier. Convolutions have
# no bias and are followed by batch norm and ReLU. 4,231,976 parameters and
# 568,740,352 MACs, the counts of an equivalent PyTorch model.

import "common.nas"
import "mobilenet.nas"

network mobilenet_v1(input = [3, 224, 224], classes = 1000) {
    # Output channels and stride of each depthwise-separable block.
    blocks = [[64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
              [512, 1], [512, 1], [512, 1], [512, 1], [512, 1],
              [1024, 2], [1024, 1]]

    x = in | seq as features {
        conv_bn_act(32, stride = 2)
        repeat b in blocks {
            depthwise_separable(b[0], stride = b[1])
        }
    }
    x = global_avgpool(x) as avgpool
    x = flatten(x)
    return linear(x, classes) as fc
}
