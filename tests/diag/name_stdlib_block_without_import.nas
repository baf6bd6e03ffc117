# basic_block lives in the standard library's resnet.nas, which is not imported.
network tiny(input = [3, 32, 32]) {
    x = conv(in, 16, k = 3, pad = 1) as conv1
    return basic_block(x, 16) as layer1
}
