# cmd: search --out build/golden-search-unused
network tiny(input = [3, 8, 8]) {
    constraint "flops <= 2M"
    k = choice(1, 3) as kernel
    return conv(in, 4, k = k)
}
