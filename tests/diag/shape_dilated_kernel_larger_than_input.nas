network aspp(input = [64, 8, 8]) {
    a = conv(in, 32, k = 3, pad = 2, dilation = 2) as rate2
    b = conv(in, 32, k = 3, pad = 1, dilation = 6) as rate6
    return concat(a, b)
}
