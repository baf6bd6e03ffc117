network tiny(input = [16, 32, 32]) {
    x = conv(in, 32, k = 3, stride = 2, pad = 1) as conv1
    return add(in, x)
}
