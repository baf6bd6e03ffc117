# ResNet-18 (He et al. 2016, "Deep Residual Learning for Image
# Recognition"), mirroring torchvision 0.14's resnet18: the same
# layers, state_dict keys, parameter count (11,689,512) and MACs.

import "resnet.nas"

network resnet18(input = [3, 224, 224], classes = 1000) {
    x = conv(in, 64, k = 7, stride = 2, pad = 3, bias = false) as conv1
    x = bn(x) as bn1
    x = relu(x) as relu
    x = maxpool(x, 3, stride = 2, pad = 1) as maxpool

    x = x | seq as layer1 {
        basic_block(64)
        basic_block(64)
    }
    x = x | seq as layer2 {
        basic_block(128, stride = 2)
        basic_block(128)
    }
    x = x | seq as layer3 {
        basic_block(256, stride = 2)
        basic_block(256)
    }
    x = x | seq as layer4 {
        basic_block(512, stride = 2)
        basic_block(512)
    }

    x = global_avgpool(x) as avgpool
    x = flatten(x)
    return linear(x, classes) as fc
}
