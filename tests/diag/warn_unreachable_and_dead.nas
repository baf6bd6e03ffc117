# Warnings only: the exit status stays 0.
network tiny(input = [3, 32, 32]) {
    x = conv(in, 16, k = 3, pad = 1)
    unused = conv(x, 8, k = 1)
    return x
    x = relu(x)
}
