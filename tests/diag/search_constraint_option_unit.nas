# cmd: search --out build/golden-search-unused --constraint latency<=5
network tiny(input = [3, 8, 8]) {
    k = choice(1, 3) as kernel
    return conv(in, 4, k = k)
}
