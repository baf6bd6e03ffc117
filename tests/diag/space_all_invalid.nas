# cmd: space
# A space whose every candidate fails has nothing to search.
network n(input = [3, 8, 8]) {
    x = conv(in, 8, k = choice(9, 11) as kernel)
    return x
}
