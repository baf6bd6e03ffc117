network tiny(input = [3, 32, 32]) {
    features = conv(in, 16, k = 3, pad = 1)
    return relu(feature)
}
