# cmd: search --out build/golden-search-unused
network tiny(input = [3, 8, 8]) {
    objective "maximize accuracy"
    k = choice(1, 3) as kernel
    return conv(in, 4, k = k)
}
