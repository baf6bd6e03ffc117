# The file was cut off in the middle of the return.
network tiny(input = [3, 32, 32]) {
    a = conv(in, 8, k = 1)
    b = conv(in, 8, k = 3, pad = 1)
    return concat([a, b
