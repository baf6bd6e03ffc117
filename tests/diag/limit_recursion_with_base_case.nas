# Recursion is an error even when it would end.
block stack(out, depth) {
    x = relu(conv(in, out, k = 3, pad = 1))
    if depth == 1 {
        return x
    }
    return stack(x, out, depth - 1)
}

network deep(input = [3, 32, 32]) {
    return stack(in, 16, 4)
}
