network tiny(input = [3, 32, 32]) {
    x = bn(conv(in, 16, k = 3, pad = 1), eps = 1e-400)
    return x
}
