# cmd: info --set width=true
network tiny(input = [3, 32, 32], width = 1.0) {
    return conv(in, int(16 * width), k = 1)
}
