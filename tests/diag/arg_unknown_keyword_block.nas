block basic(planes, stride = 1) {
    x = conv(in, planes, k = 3, stride = stride, pad = 1)
    return relu(bn(x))
}

network tiny(input = [3, 32, 32]) {
    return basic(in, 16, strides = 2)
}
