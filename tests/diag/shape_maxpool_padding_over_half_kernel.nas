network tiny(input = [3, 32, 32]) {
    x = conv(in, 16, k = 3, pad = 1)
    x = maxpool(x, 3, stride = 2, pad = 2)
    return x
}
