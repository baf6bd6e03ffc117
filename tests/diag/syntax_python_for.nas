network tiny(input = [3, 32, 32]) {
    x = in
    for i in range(3) {
        x = relu(x)
    }
    return x
}
