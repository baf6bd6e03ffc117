network tiny(input = [3, 32, 32]) {
    x = conv(in, 16, k = 3, pad = 1) as
    y = relu(x)
    return y
}
