network tiny(input = [3, 32, 32]) {
    x = conv(in, 16, pad = 1)
    return relu(x)
}
