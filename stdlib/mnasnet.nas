# Blocks of MnasNet-B1 (Tan et al. 2019, "MnasNet: Platform-Aware Neural
# Architecture Search for Mobile"), with the layer names and
# hyper-parameters of torchvision 0.14 (torchvision/models/mnasnet.py).

# Round val to a multiple of divisor, rounding up unless the lower multiple
# is within round_up_bias of val: (83, 8) gives 80 but (84, 8) gives 88.
# This is torchvision's _round_to_multiple_of.
fn round_to_multiple_of(val, divisor, round_up_bias = 0.9) {
    rounded = max(divisor, int(val + divisor / 2) // divisor * divisor)
    return if rounded >= round_up_bias * val then rounded else rounded + divisor
}

# MnasNet's inverted residual: a 1x1 expansion to in.c * expand channels, a
# k x k depthwise convolution (padding k // 2, strided when stride > 1),
# both with ReLU, and a linear 1x1 projection to out channels, each
# convolution followed by batch norm. The input is added back when stride is
# 1 and out equals in.c. Layers: layers.0 ... layers.7.
block mnasnet_inverted_residual(out, k = 3, stride = 1, expand = 3) {
    mid = in.c * expand
    y = in | seq as layers {
        conv(mid, k = 1, bias = false)
        bn
        relu
        conv(mid, k = k, stride = stride, pad = k // 2, groups = mid, bias = false)
        bn
        relu
        conv(out, k = 1, bias = false)
        bn
    }
    return if stride == 1 and in.c == out then y + in else y
}

# A stack of repeats inverted residuals making out channels: the first one
# has the given stride, the others stride 1 and a residual connection.
# Layers: 0 ... repeats - 1, as torchvision's _stack.
block mnasnet_stack(out, k, stride, expand, repeats) {
    return in | seq {
        mnasnet_inverted_residual(out, k = k, stride = stride, expand = expand)
        repeat repeats - 1 {
            mnasnet_inverted_residual(out, k = k, expand = expand)
        }
    }
}
