import "resnet_blocks.nas"

network tiny(input = [3, 32, 32]) {
    return in | basic_block(16)
}
