network squeeze_excite(input = [32, 16, 16]) {
    s = global_avgpool(in)
    s = relu(conv(s, 8, k = 1)) as fc1
    s = sigmoid(conv(s, 16, k = 1)) as fc2
    return in * s
}
