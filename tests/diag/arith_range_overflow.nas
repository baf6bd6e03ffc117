network tiny(input = [3, 32, 32]) {
    sizes = range(-9223372036854775807 - 1, 9223372036854775807)
    return conv(in, len(sizes), k = 1)
}
