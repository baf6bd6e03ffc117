network tiny(input = [3, 32, 32]) {
    x = conv(in, 16, k = 3, pad = 1) as conv1
    y = x as features
    return relu(y)
}
