# Directives describe a network's search, so they belong in its body.
block b() {
    constraint "params <= 1M"
    return in | relu
}
network n(input = [3, 8, 8]) {
    return in | b
}
