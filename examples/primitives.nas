# The five primitive layers of the cost model side by side, each applied
# to the same 8x32x32 input: linear, normal, depthwise, grouped and
# pointwise convolution, all with bias. The 3x3 convolutions use padding 1,
# so their outputs keep the 32x32 size. 1,840 parameters and 1,679,488 MACs
# in all.

network primitives(input = [8, 32, 32]) {
    pooled = flatten(global_avgpool(in))
    fc = linear(pooled, 16) as linear
    normal = conv(in, 16, k = 3, pad = 1) as normal
    depthwise = conv(in, 8, k = 3, pad = 1, groups = 8) as depthwise
    grouped = conv(in, 16, k = 3, pad = 1, groups = 4) as grouped
    pointwise = conv(in, 16, k = 1) as pointwise
    return fc, normal, depthwise, grouped, pointwise
}
