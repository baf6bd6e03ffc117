# A shared choice is found by its name, so it must have one.
network n(input = [3, 8, 8]) {
    return in | shared choice(relu, identity)
}
