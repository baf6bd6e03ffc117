# pick(k, list) needs 1 <= k <= len(list).
network n(input = [3, 8, 8]) {
    a = conv(in, 4, k = 1)
    ins = pick(3, [in, a]) as inputs
    return ins[0]
}
