block conv(out) {
    return relu(bn(conv(in, out, k = 3, pad = 1)))
}

network tiny(input = [3, 32, 32]) {
    return conv(in, 16)
}
