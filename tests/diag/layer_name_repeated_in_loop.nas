# The same literal name on every pass of the loop: the second pass reuses
# layer.conv1.
block stage(out) {
    return conv(in, out, k = 3, pad = 1, bias = false) as conv1 | bn as bn1 | relu
}

network tiny(input = [3, 32, 32]) {
    x = in
    repeat i in range(2) {
        x = x | seq as layer { stage(16) }
    }
    return x
}
