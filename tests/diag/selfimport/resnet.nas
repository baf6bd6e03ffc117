# This file is named like the library's resnet.nas, whose blocks it uses:
# the import finds the library's file, never this file itself.
import "resnet.nas"

network tiny(input = [3, 32, 32]) {
    return basic_block(in, 8) as layer1
}
