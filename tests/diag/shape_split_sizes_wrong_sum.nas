network branches(input = [3, 32, 32]) {
    x = conv(in, 32, k = 3, pad = 1)
    a, b = split(x, [16, 8])
    return concat(a, b)
}
