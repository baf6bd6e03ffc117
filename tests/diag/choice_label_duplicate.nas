# Two options with one label could not be told apart in a genotype.
network n(input = [3, 8, 8]) {
    return in | choice(a = relu, a = identity) as op
}
