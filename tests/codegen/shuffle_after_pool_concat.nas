# A shuffle after a concat whose inputs are a pooling and a conv: it stays
# a copy kernel, as only convs write shuffled output.
network shuffle_after_pool_concat(input = [8, 16, 16]) {
    pooled = maxpool(in, 3, stride = 2, pad = 1)
    convolved = conv(in, 8, k = 3, stride = 2, pad = 1) | bn | relu
    return shuffle(concat(pooled, convolved), 2)
}
