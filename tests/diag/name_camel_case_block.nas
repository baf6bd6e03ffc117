import "resnet.nas"

network tiny(input = [3, 32, 32]) {
    return BasicBlock(in, 16)
}
