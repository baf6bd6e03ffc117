# A word followed by a string is one of the three directives.
network n(input = [3, 8, 8]) {
    genotyp "{op}"
    return in | choice(relu, identity) as op
}
