network tiny(input = [3, 32, 32]) {
    x = conv(in, 16, k = 3, stride = 4, pad = 1)
    x = maxpool(x, 2)
    x = maxpool(x, 2)
    x = avgpool(x, 3, stride = 2)
    return x
}
