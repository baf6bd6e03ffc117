block residual(out, stride = 1) {
    x = conv(in, out, k = 3, stride = stride, pad = 1)
    x = conv(x, out, k = 3, pad = 1)
    return relu(x + in)
}

network tiny(input = [16, 32, 32]) {
    x = in | residual(16)
    x = x | residual(32, stride = 2)
    return x
}
