block stem(out) {
    x = conv(in, out, k = 3 pad = 1)
    x = bn(x) as
    return relu(x)
}

block head(classes) {
    x = global_avgpool(in) | flatten
    return linear(x, classes))
}

network tiny(input = [3, 32, 32]) {
    x = in | stem(16) | | head(10)
    return x
}
