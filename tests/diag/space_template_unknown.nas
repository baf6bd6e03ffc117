# cmd: space
# The genotype template may name only choice points of the network.
network n(input = [3, 8, 8]) {
    genotype "{op}-{kernel}"
    return in | choice(relu, identity) as op
}
