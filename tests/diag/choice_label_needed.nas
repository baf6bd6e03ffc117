# An option that is neither a literal nor a plain name needs a label.
network n(input = [3, 8, 8]) {
    return in | choice(conv(8, k = 1), identity) as op
}
