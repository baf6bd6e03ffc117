network tiny(input = [3, 32, 32]) {
    width = 16 * 1.5 / 7
    x = conv(in, width, k = 3, pad = 1)
    return relu(x)
}
