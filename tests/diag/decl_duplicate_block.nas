block basic(planes) {
    return relu(conv(in, planes, k = 3, pad = 1))
}

block basic(planes, stride = 1) {
    return relu(conv(in, planes, k = 3, stride = stride, pad = 1))
}

network tiny(input = [3, 32, 32]) {
    return basic(in, 16)
}
