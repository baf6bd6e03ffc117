# A computed name may contain dots between parts of a name, not two in a row.
network tiny(input = [3, 32, 32]) {
    return conv(in, 16, k = 1) as ("stage" + str(1) + "..conv")
}
