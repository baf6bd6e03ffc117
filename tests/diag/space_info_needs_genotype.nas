# cmd: info
# Building one network out of a search space needs a genotype.
network n(input = [3, 8, 8]) {
    return conv(in, 8, k = choice(1, 3) as kernel)
}
