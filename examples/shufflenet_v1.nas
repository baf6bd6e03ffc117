# ShuffleNet v1 1.0x with 3 groups (Zhang et al. 2018, "ShuffleNet: An
# Extremely Efficient Convolutional Neural Network for Mobile Devices",
# table 1): a 24-channel 3x3 stride-2 convolution and a 3x3 stride-2 max
# pooling, three stages of 4, 8 and 4 units making 240, 480 and 960
# channels (each stage starts with a stride-2 unit), global average pooling
# and a 1000-way linear layer. The first 1x1 convolution of stage 2's first
# unit is not grouped. Convolutions have no bias. 1,865,728 parameters and
# 137,460,672 MACs, the counts of an equivalent PyTorch model.

import "common.nas"
import "shufflenet.nas"

network shufflenet_v1(input = [3, 224, 224], classes = 1000, groups = 3) {
    # Output channels and units of stages 2, 3 and 4 for 3 groups.
    stages = [[240, 4], [480, 8], [960, 4]]

    x = conv_bn_act(in, 24, stride = 2) as conv1
    x = maxpool(x, 3, stride = 2, pad = 1) as maxpool

    x = x | seq as stage2 {
        shufflenet_v1_unit(stages[0][0], groups = groups, stride = 2, first_grouped = false)
        repeat stages[0][1] - 1 { shufflenet_v1_unit(stages[0][0], groups = groups) }
    }
    x = x | seq as stage3 {
        shufflenet_v1_unit(stages[1][0], groups = groups, stride = 2)
        repeat stages[1][1] - 1 { shufflenet_v1_unit(stages[1][0], groups = groups) }
    }
    x = x | seq as stage4 {
        shufflenet_v1_unit(stages[2][0], groups = groups, stride = 2)
        repeat stages[2][1] - 1 { shufflenet_v1_unit(stages[2][0], groups = groups) }
    }

    x = global_avgpool(x) as avgpool
    return linear(x, classes) as fc
}
