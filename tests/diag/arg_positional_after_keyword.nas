network tiny(input = [3, 32, 32]) {
    x = conv(in, k = 3, 16, pad = 1)
    return relu(x)
}
