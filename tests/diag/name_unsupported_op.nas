network tiny(input = [3, 32, 32]) {
    return conv(in, 16, k = 3, pad = 1) | silu
}
