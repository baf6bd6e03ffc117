# cmd: info --set widht=0.5
# The option names a parameter the network does not have.
network tiny(input = [3, 32, 32], width = 1.0) {
    return conv(in, int(16 * width), k = 1)
}
