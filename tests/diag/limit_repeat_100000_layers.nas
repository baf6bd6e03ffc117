# 100,000 relu layers in a row: large, but every step is cheap.
network long_chain(input = [3, 8, 8]) {
    x = in
    repeat 100000 {
        x = relu(x)
    }
    return x
}
