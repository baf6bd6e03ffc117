network classifier(input = [3, 32, 32]) {
    x = conv(in, 16, k = 3, pad = 1)
    x = global_avgpool(relu(x))
    x = conv(x, 32, k = 1)
    return linear(relu(conv(in, 8, k = 1)), 10)
}
