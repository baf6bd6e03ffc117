# Helpers shared by the standard library's blocks: channel rounding,
# convolution + batch norm (+ activation) and squeeze-and-excitation.
# Layer names follow torchvision 0.14 (torchvision/ops/misc.py and
# torchvision/models/_utils.py), so networks built from these blocks load
# torchvision's state_dict keys.

# Round v to the nearest multiple of divisor, but never below min_value and
# never more than 10% below v. This is torchvision's _make_divisible, taken
# from TensorFlow's MobileNet code.
fn make_divisible(v, divisor = 8, min_value = divisor) {
    rounded = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return if rounded < 0.9 * v then rounded + divisor else rounded
}

# Convolution without bias followed by batch norm: torchvision's
# Conv2dNormActivation with activation_layer=None. Layers: 0 conv, 1 bn.
# The padding keeps the spatial size at stride 1, as torchvision's default
# padding (k - 1) // 2 * dilation does.
block conv_bn(out, k = 3, stride = 1, groups = 1, dilation = 1, eps = 1e-5) {
    return in | seq {
        conv(out, k = k, stride = stride, pad = (k - 1) // 2 * dilation,
             dilation = dilation, groups = groups, bias = false)
        bn(eps = eps)
    }
}

# Convolution without bias, batch norm and an activation: torchvision's
# Conv2dNormActivation. Layers: 0 conv, 1 bn, 2 activation.
block conv_bn_act(out, k = 3, stride = 1, groups = 1, dilation = 1, act = relu, eps = 1e-5) {
    return in | seq {
        conv(out, k = k, stride = stride, pad = (k - 1) // 2 * dilation,
             dilation = dilation, groups = groups, bias = false)
        bn(eps = eps)
        act
    }
}

# Squeeze-and-excitation (Hu et al. 2018) as torchvision's
# SqueezeExcitation: global average pooling, two 1x1 convolutions with bias
# around act, then scale_act gives one factor per channel of the input.
# The defaults are the ones MobileNetV3 uses.
block squeeze_excitation(squeeze, act = relu, scale_act = hardsigmoid) {
    s = global_avgpool(in) as avgpool
    s = conv(s, squeeze, k = 1) as fc1
    s = act(s) as activation
    s = conv(s, in.c, k = 1) as fc2
    s = scale_act(s) as scale_activation
    return in * s
}
