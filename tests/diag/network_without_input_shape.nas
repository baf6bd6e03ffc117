network tiny(classes = 10) {
    x = conv(in, 16, k = 3, pad = 1)
    return linear(flatten(global_avgpool(x)), classes)
}
