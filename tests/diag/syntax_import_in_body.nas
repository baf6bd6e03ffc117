network tiny(input = [3, 32, 32]) {
    import "resnet.nas"
    return basic_block(in, 8)
}
