# PyTorch's keyword names where the language has its own.
network tiny(input = [3, 32, 32]) {
    return conv(in, 16, kernel_size = 3, padding = 1)
}
