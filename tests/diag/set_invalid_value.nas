# cmd: info --set width=0.5+
network tiny(input = [3, 32, 32], width = 1.0) {
    return conv(in, int(16 * width), k = 1)
}
