# A computed name may not contain '.', which separates scopes.
network tiny(input = [3, 32, 32]) {
    return conv(in, 16, k = 1) as ("stage" + str(1) + ".conv")
}
