# A network without weights: average pooling that excludes the padding,
# with and without ceil_mode, then max pooling with dilation.
network no_weights(input = [3, 9, 9]) {
    a = avgpool(in, 3, stride = 2, pad = 1, count_include_pad = false)
    b = avgpool(in, 3, stride = 2, pad = 1, ceil_mode = true, count_include_pad = false)
    return a, b, maxpool(in, 3, stride = 2, pad = 1, dilation = 2)
}
