block down(out, stride = 1) {
    y = conv(in, out, k = 3, stride = stride, pad = 1)
    if stride = 1 {
        y = y + in
    }
    return y
}

network tiny(input = [16, 32, 32]) {
    return in | down(16)
}
