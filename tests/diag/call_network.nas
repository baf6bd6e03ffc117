network stem(input = [3, 32, 32]) {
    return relu(conv(in, 16, k = 3, pad = 1))
}

network tiny(input = [3, 32, 32]) {
    x = stem(in)
    return conv(x, 32, k = 1)
}
