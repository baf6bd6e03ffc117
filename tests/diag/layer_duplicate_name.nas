network tiny(input = [3, 32, 32]) {
    x = conv(in, 16, k = 3, pad = 1) as conv1
    x = relu(x)
    x = conv(x, 16, k = 3, pad = 1) as conv1
    return relu(x)
}
