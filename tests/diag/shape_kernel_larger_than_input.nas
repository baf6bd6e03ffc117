network tiny(input = [3, 32, 32]) {
    x = conv(in, 64, k = 3, stride = 2, pad = 1)
    x = conv(x, 64, k = 3, stride = 2, pad = 1)
    x = conv(x, 64, k = 3, stride = 2, pad = 1)
    x = conv(x, 64, k = 3, stride = 2, pad = 1)
    x = conv(x, 64, k = 7) as head
    return x
}
