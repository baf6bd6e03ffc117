# ShuffleNet units: v1 (Zhang et al. 2018, "ShuffleNet: An Extremely
# Efficient Convolutional Neural Network for Mobile Devices") and
# v2 (Ma et al. 2018, "ShuffleNet V2: Practical Guidelines for Efficient CNN
# Architecture Design"), the latter with the layer names and
# hyper-parameters of torchvision 0.14's shufflenetv2.InvertedResidual.

# ShuffleNet v1 unit with out output channels: a grouped 1x1 convolution to
# out / 4 bottleneck channels, batch norm, ReLU and a channel shuffle, a 3x3
# depthwise convolution and batch norm, then a grouped 1x1 convolution and
# batch norm. At stride 1 the input is added back. At stride 2 the branch
# makes out - in.c channels and is concatenated after a 3x3 average-pooled
# shortcut. ReLU follows the add or the concat. first_grouped = false leaves
# the first 1x1 convolution ungrouped, as the paper does for the first unit
# of stage 2, whose input has too few channels.
block shufflenet_v1_unit(out, groups = 3, stride = 1, first_grouped = true) {
    bottleneck_c = out // 4
    branch_c = if stride == 1 then out else out - in.c
    first_groups = if first_grouped then groups else 1

    x = conv(in, bottleneck_c, k = 1, groups = first_groups, bias = false) as gconv1
    x = bn(x) as bn1
    x = relu(x) as relu
    x = shuffle(x, groups) as shuffle
    x = conv(x, bottleneck_c, k = 3, stride = stride, pad = 1, groups = bottleneck_c,
             bias = false) as dwconv
    x = bn(x) as bn2
    x = conv(x, branch_c, k = 1, groups = groups, bias = false) as gconv2
    x = bn(x) as bn3

    if stride == 1 {
        y = in + x
    } else {
        shortcut = avgpool(in, 3, stride = stride, pad = 1) as shortcut
        y = concat(shortcut, x)
    }
    return relu(y) as relu
}

# ShuffleNet v2 unit with out output channels, each branch making out / 2.
# At stride 1 the input is split in two channel halves: the first passes
# through and the second goes through branch2. At stride 2 both branches
# take the whole input and halve its size: branch1 is a 3x3 depthwise and a
# 1x1 convolution, branch2 a 1x1, a 3x3 depthwise and a 1x1 convolution.
# The branches are concatenated and shuffled with 2 groups.
block shufflenet_v2_unit(out, stride = 1) {
    branch_c = out // 2
    if stride > 1 {
        left = in | seq as branch1 {
            conv(in.c, k = 3, stride = stride, pad = 1, groups = in.c, bias = false)
            bn
            conv(branch_c, k = 1, bias = false)
            bn
            relu
        }
        right = in
    } else {
        # Equal to split(in, 2) when in.c == out, and an error otherwise,
        # as torchvision raises for a stride-1 unit whose in.c != out.
        left, right = split(in, [branch_c, branch_c])
    }

    right = right | seq as branch2 {
        conv(branch_c, k = 1, bias = false)
        bn
        relu
        conv(branch_c, k = 3, stride = stride, pad = 1, groups = branch_c, bias = false)
        bn
        conv(branch_c, k = 1, bias = false)
        bn
        relu
    }
    return shuffle(concat(left, right), 2)
}
