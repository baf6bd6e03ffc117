network grouped(input = [3, 32, 32]) {
    x = conv(in, 32, k = 3, pad = 1) as stem
    x = conv(x, 36, k = 3, pad = 1, groups = 8) as grouped
    return relu(x)
}
