# An independent choice in a plain repeat is reached once per pass; each
# pass needs its own name.
network n(input = [3, 8, 8]) {
    x = in
    repeat 2 {
        x = conv(x, 8, k = choice(1, 3) as kernel)
    }
    return x
}
