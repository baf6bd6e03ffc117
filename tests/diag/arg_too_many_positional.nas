network tiny(input = [3, 32, 32]) {
    x = conv(in, 16, 3, 1, 1, 1, 1, true, 7)
    return relu(x)
}
