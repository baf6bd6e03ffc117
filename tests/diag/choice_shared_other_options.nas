# Every place that shares a decision must offer the same options.
network n(input = [3, 8, 8]) {
    a = in | shared choice(relu, identity) as act
    return a | shared choice(relu, sigmoid) as act
}
