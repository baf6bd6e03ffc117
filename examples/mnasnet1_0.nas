# MnasNet-B1 with depth multiplier 1.0 (Tan et al. 2019, "MnasNet:
# Platform-Aware Neural Architecture Search for Mobile"), mirroring
# torchvision 0.14's mnasnet1_0: the same layers, state_dict keys,
# parameter count (4,383,312) and MACs. Batch norm keeps PyTorch's default
# eps 1e-5 (torchvision only changes the momentum, which plays no part at
# inference).

import "mnasnet.nas"

network mnasnet1_0(input = [3, 224, 224], classes = 1000, alpha = 1.0) {
    depths = [round_to_multiple_of(32 * alpha, 8), round_to_multiple_of(16 * alpha, 8),
              round_to_multiple_of(24 * alpha, 8), round_to_multiple_of(40 * alpha, 8),
              round_to_multiple_of(80 * alpha, 8), round_to_multiple_of(96 * alpha, 8),
              round_to_multiple_of(192 * alpha, 8), round_to_multiple_of(320 * alpha, 8)]

    x = in | seq as layers {
        # Stem: a regular convolution, then a depthwise-separable one
        # without skip.
        conv(depths[0], k = 3, stride = 2, pad = 1, bias = false)
        bn
        relu
        conv(depths[0], k = 3, pad = 1, groups = depths[0], bias = false)
        bn
        relu
        conv(depths[1], k = 1, bias = false)
        bn
        # Stacks of inverted residuals: kernel, stride, expansion, repeats.
        mnasnet_stack(depths[2], 3, 2, 3, 3)
        mnasnet_stack(depths[3], 5, 2, 3, 3)
        mnasnet_stack(depths[4], 5, 2, 6, 3)
        mnasnet_stack(depths[5], 3, 1, 6, 2)
        mnasnet_stack(depths[6], 5, 2, 6, 4)
        mnasnet_stack(depths[7], 3, 1, 6, 1)
        # Final mapping to the classifier's input.
        conv(1280, k = 1, bias = false)
        bn
        relu
    }

    x = global_avgpool(x)
    return x | seq as classifier {
        dropout(p = 0.2)
        linear(classes)
    }
}
