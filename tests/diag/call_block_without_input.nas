block head(classes) {
    return linear(flatten(global_avgpool(in)), classes)
}

network tiny(input = [3, 32, 32]) {
    x = conv(in, 16, k = 3, pad = 1)
    y = head(10)
    return y
}
