network inception(input = [64, 28, 28]) {
    a = conv(in, 32, k = 1) as branch1
    b = conv(in, 32, k = 3) as branch3
    c = maxpool(in, 3, stride = 1, pad = 1) as pool
    return concat(a, b, c)
}
