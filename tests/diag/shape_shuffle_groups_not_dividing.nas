network shuffled(input = [3, 32, 32]) {
    x = conv(in, 24, k = 3, pad = 1)
    x = shuffle(x, 5)
    return x
}
