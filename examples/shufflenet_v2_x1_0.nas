# ShuffleNet V2 1.0x (Ma et al. 2018, "ShuffleNet V2: Practical Guidelines
# for Efficient CNN Architecture Design"), mirroring torchvision
# 0.14's shufflenet_v2_x1_0: the same layers, state_dict keys, parameter
# count (2,278,604) and MACs.

import "shufflenet.nas"

network shufflenet_v2_x1_0(input = [3, 224, 224], classes = 1000) {
    x = in | seq as conv1 {
        conv(24, k = 3, stride = 2, pad = 1, bias = false)
        bn
        relu
    }
    x = maxpool(x, 3, stride = 2, pad = 1) as maxpool

    x = x | seq as stage2 {
        shufflenet_v2_unit(116, stride = 2)
        repeat 3 { shufflenet_v2_unit(116) }
    }
    x = x | seq as stage3 {
        shufflenet_v2_unit(232, stride = 2)
        repeat 7 { shufflenet_v2_unit(232) }
    }
    x = x | seq as stage4 {
        shufflenet_v2_unit(464, stride = 2)
        repeat 3 { shufflenet_v2_unit(464) }
    }

    x = x | seq as conv5 {
        conv(1024, k = 1, bias = false)
        bn
        relu
    }
    x = global_avgpool(x)
    return linear(x, classes) as fc
}
