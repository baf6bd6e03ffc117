network grouped(input = [3, 32, 32]) {
    x = conv(in, 32, k = 3, pad = 1, groups = 4)
    return relu(x)
}
