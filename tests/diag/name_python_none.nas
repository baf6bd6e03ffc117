block conv_act(out, act = relu) {
    return in | conv(out, k = 3, pad = 1) | act
}

network tiny(input = [3, 32, 32]) {
    return conv_act(in, 16, act = None)
}
