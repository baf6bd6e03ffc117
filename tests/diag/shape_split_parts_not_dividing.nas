network halves(input = [3, 32, 32]) {
    x = conv(in, 30, k = 3, pad = 1)
    a, b, c, d = split(x, 4)
    return concat(a, b, c, d)
}
