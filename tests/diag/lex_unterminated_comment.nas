network tiny(input = [3, 32, 32]) {
    x = conv(in, 16, k = 3, pad = 1)
    /* the second stage is disabled for now
    x = relu(x)
    return x
}
