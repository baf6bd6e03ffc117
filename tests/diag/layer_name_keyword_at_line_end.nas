# A keyword is a valid layer name, also at the end of a line.
network tiny(input = [3, 32, 32]) {
    x = conv(in, 16, k = 3, pad = 1) as block
    y = relu(x) as if
    return y
}
