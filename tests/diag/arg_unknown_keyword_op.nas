network tiny(input = [3, 32, 32]) {
    x = conv(in, 16, kernel = 3, pad = 1)
    return relu(x)
}
