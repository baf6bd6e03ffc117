network tiny(input = [3, 16, 16]) {
    x = conv(in, 16, k = 3, stride = 2, pad = 1)
    x = maxpool(x, 3, stride = 2, pad = 1)
    x = maxpool(x, 3, stride = 2, pad = 1)
    x = maxpool(x, 5, stride = 2, pad = 1, dilation = 2)
    return x
}
