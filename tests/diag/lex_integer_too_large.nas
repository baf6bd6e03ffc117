network wide(input = [3, 32, 32]) {
    x = conv(in, 99999999999999999999, k = 1)
    return x
}
