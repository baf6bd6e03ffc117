# A block that calls itself to stack its layers, with no base case.
block stack(out, depth) {
    x = relu(conv(in, out, k = 3, pad = 1))
    return stack(x, out, depth - 1)
}

network deep(input = [3, 32, 32]) {
    return stack(in, 16, 4)
}
