# A Once-for-All MobileNetV3 search space (Cai et al., "Once-for-All: Train
# One Network and Specialize it for Efficient Deployment", ICLR 2020), as
# OFAMobileNetV3 with width 1.0 of github.com/mit-han-lab/once-for-all
# (ofa/imagenet_classification/elastic_nn/networks/ofa_mbv3.py): input
# 3x224x224, 1000 classes.
#
# A 3x3 stem with stride 2 to 16 channels and hardswish, a fixed first
# block (3x3 depthwise, no expansion, 16 channels), then 5 searchable
# stages of 2, 3 or 4 blocks (24, 40, 80, 112, 160 channels; strides 2, 2,
# 2, 1, 2; ReLU in the first two, hardswish after; squeeze-and-excitation
# in stages 2, 4 and 5). Each block chooses its depthwise kernel (3, 5, 7)
# and its expansion ratio (3, 4, 6). The head is a 1x1 convolution to 960
# channels with batch norm and hardswish, global average pooling, a 1x1
# convolution to 1280 without bias or batch norm with hardswish, and the
# classifier. The space has ((3 * 3)^2 + (3 * 3)^3 + (3 * 3)^4)^5, about
# 2.2 x 10^19 candidates, the count of the OFA paper.
#
# Layer names are the state_dict keys of the MobileNetV3 that
# OFAMobileNetV3.get_active_subnet returns for a candidate: first_conv.conv,
# blocks.N.conv.inverted_bottleneck.conv, blocks.N.conv.depth_conv.se.fc.reduce,
# final_expand_layer, feature_mix_layer.conv, classifier.linear. That
# subnet numbers its blocks without gaps, as here, while the super-network
# reserves 4 slots a stage. Batch norm uses eps 1e-5 as OFA's bn_param.
# Choice names: blocks.N.kernel and blocks.N.expand for block N, and
# blocks.stageS_depth for stage S = 1 to 5. Because blocks are numbered
# without gaps, the depths of the stages before it decide which stage
# block N belongs to.

import "common.nas"

# OFA's SEModule: squeeze channels make_divisible(in.c // 4, 8); layers
# fc.reduce and fc.expand (1x1 convolutions with bias) around ReLU, then
# hardsigmoid scales each input channel.
block ofa_squeeze_excitation(reduction = 4) {
    squeeze = make_divisible(in.c // reduction, 8)
    s = global_avgpool(in)
    s = s | seq as fc {
        conv(squeeze, k = 1) as reduce
        relu as relu
        conv(in.c, k = 1) as expand
        hardsigmoid as h_sigmoid
    }
    return in * s
}

# OFA's MBConvLayer with mid expanded channels: inverted_bottleneck (1x1
# convolution, batch norm, act; left out when mid equals in.c, as OFA does
# for an expansion ratio of 1), depth_conv (k x k depthwise convolution with
# stride, batch norm, act, optional squeeze-and-excitation) and
# point_linear (1x1 convolution to out, batch norm).
block ofa_mbconv(out, mid, k, stride, se, act) {
    x = in
    if mid != in.c {
        x = x | seq as inverted_bottleneck {
            conv(mid, k = 1, bias = false) as conv
            bn as bn
            act as act
        }
    }
    x = x | seq as depth_conv {
        conv(mid, k = k, stride = stride, pad = k // 2, groups = mid, bias = false) as conv
        bn as bn
        act as act
        if se {
            ofa_squeeze_excitation() as se
        }
    }
    return x | seq as point_linear {
        conv(out, k = 1, bias = false) as conv
        bn as bn
    }
}

# OFA's ResidualBlock: the block's layers in the `conv` scope, plus the
# input when stride is 1 and the channel count stays the same.
block ofa_residual(out, mid, k, stride, se, act) {
    y = ofa_mbconv(in, out, mid, k, stride, se, act) as conv
    return if stride == 1 and in.c == out then y + in else y
}

# A searchable block, as ofa_residual: kernel and expansion ratio are
# independent choices of each block. The expanded width is OFA's
# active_middle_channel.
block ofa_searchable_block(out, stride, se, act) {
    k = choice(3, 5, 7) as kernel
    expand = choice(3, 4, 6) as expand
    mid = make_divisible(round(in.c * expand), 8)
    y = ofa_mbconv(in, out, mid, k, stride, se, act) as conv
    return if stride == 1 and in.c == out then y + in else y
}

network ofa_mobilenet_v3(input = [3, 224, 224], classes = 1000, dropout_rate = 0.1) {
    # Output channels, stride of the first block, squeeze-and-excitation and
    # activation of the 5 searchable stages, from OFAMobileNetV3.
    stages = [[24, 2, false, relu],
              [40, 2, true, relu],
              [80, 2, false, hardswish],
              [112, 1, true, hardswish],
              [160, 2, true, hardswish]]

    x = in | seq as first_conv {
        conv(16, k = 3, stride = 2, pad = 1, bias = false) as conv
        bn as bn
        hardswish as act
    }
    x = x | seq as blocks {
        ofa_residual(16, 16, k = 3, stride = 1, se = false, act = relu)
        repeat s in range(5) {
            stage = stages[s]
            stride = stage[1]
            repeat choice(2, 3, 4) as ("stage" + str(s + 1) + "_depth") {
                ofa_searchable_block(stage[0], stride, stage[2], stage[3])
                stride = 1
            }
        }
    }
    x = x | seq as final_expand_layer {
        conv(960, k = 1, bias = false) as conv
        bn as bn
        hardswish as act
    }
    x = global_avgpool(x) as global_pooling
    x = x | seq as feature_mix_layer {
        conv(1280, k = 1, bias = false) as conv
        hardswish as act
    }
    return flatten(x) | seq as classifier {
        dropout(p = dropout_rate) as dropout
        linear(classes) as linear
    }
}
