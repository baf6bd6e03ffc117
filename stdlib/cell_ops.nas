# Edge operations of cell-based search spaces: NAS-Bench-201 (Dong & Yang,
# ICLR 2020, github.com/D-X-Y/AutoDL-Projects, lib/models/cell_operations.py)
# and DARTS (Liu, Simonyan & Yang, ICLR 2019, github.com/quark0/darts,
# cnn/operations.py). Layer names follow those modules, so that a state_dict
# of their PyTorch code loads by name: the convolutions of ReLUConvBN,
# SepConv and DilConv sit in an nn.Sequential called `op`.

# ReLU, convolution without bias, batch norm: the ReLUConvBN of both code
# bases. Layers: op.0 relu, op.1 conv, op.2 bn.
block relu_conv_bn(out, k, stride = 1, pad = 0, dilation = 1) {
    return in | seq as op {
        relu
        conv(out, k = k, stride = stride, pad = pad, dilation = dilation, bias = false)
        bn
    }
}

# DARTS's separable convolution, applied twice: ReLU, k x k depthwise
# (stride on the first pass only), 1x1 pointwise, batch norm. The first
# pointwise convolution keeps in.c channels, the second makes out.
# Layers: op.0 to op.7.
block darts_sep_conv(out, k, stride = 1) {
    pad = k // 2
    return in | seq as op {
        relu
        conv(in.c, k = k, stride = stride, pad = pad, groups = in.c, bias = false)
        conv(in.c, k = 1, bias = false)
        bn
        relu
        conv(in.c, k = k, pad = pad, groups = in.c, bias = false)
        conv(out, k = 1, bias = false)
        bn
    }
}

# DARTS's dilated separable convolution: ReLU, k x k depthwise with
# dilation 2, 1x1 pointwise, batch norm. Layers: op.0 to op.3.
block darts_dil_conv(out, k, stride = 1, dilation = 2) {
    return in | seq as op {
        relu
        conv(in.c, k = k, stride = stride, pad = (k - 1) // 2 * dilation, dilation = dilation,
             groups = in.c, bias = false)
        conv(out, k = 1, bias = false)
        bn
    }
}

# DARTS's FactorizedReduce, which halves the size: ReLU, then two 1x1
# convolutions with stride 2 of out / 2 channels each, concatenated, then
# batch norm. In DARTS the second one reads x[:, :, 1:, 1:], so it samples
# the odd rows and columns, a shift that .nas cannot express. Here conv_2 is
# a 2x2 convolution with stride 2. With its kernel zero except at [1, 1],
# which holds the DARTS 1x1 kernel, the output is exactly DARTS's. A trained
# DARTS conv_2.weight [o, i, 1, 1] loads as that tap, and conv_2 counts 4x
# the parameters of the original.
# NOTE: this is exact only for even input sizes. For an odd size, DARTS's
# conv_2 gives one more row and column than this 2x2 convolution, so the
# concat fails with a shape error.
block darts_factorized_reduce(out) {
    x = relu(in) as relu
    a = conv(x, out // 2, k = 1, stride = 2, bias = false) as conv_1
    b = conv(x, out // 2, k = 2, stride = 2, bias = false) as conv_2
    return bn(concat(a, b)) as bn
}
