# Two calls of one block under the same name: their layers collide.
import "resnet.nas"

network tiny(input = [3, 32, 32]) {
    x = basic_block(in, 16) as stage
    y = basic_block(x, 16) as stage
    return y
}
