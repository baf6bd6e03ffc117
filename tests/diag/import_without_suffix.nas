import "resnet"

network tiny(input = [3, 32, 32]) {
    return basic_block(in, 16)
}
