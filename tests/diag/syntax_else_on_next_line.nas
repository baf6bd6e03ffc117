block down(out, stride = 1) {
    if stride == 1 {
        y = conv(in, out, k = 3, pad = 1)
    }
    else {
        y = conv(in, out, k = 3, stride = stride, pad = 1)
    }
    return y
}

network tiny(input = [3, 32, 32]) {
    return in | down(16, stride = 2)
}
