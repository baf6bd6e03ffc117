# Two blocks that call each other: the unrolling never ends.
block down(out) {
    x = conv(in, out, k = 3, stride = 2, pad = 1)
    return up(x, out * 2)
}

block up(out) {
    x = conv(in, out, k = 1)
    return down(x, out)
}

network hourglass(input = [3, 64, 64]) {
    return down(in, 16)
}
