# A wide-block conv whose partial sums go to a buffer on the stack: 33
# output channels end in a partial block, and the 64 input channels of a
# 3x3 kernel take several chunks. gcc 12 at -O2 warned that the buffer
# may be read uninitialized until the kernel silenced that false alarm.
network wide_partial_sums(input = [64, 1, 1]) {
    return conv(in, 33, k = 3, pad = 1)
}
