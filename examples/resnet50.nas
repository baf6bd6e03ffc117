# ResNet-50 (He et al. 2016, "Deep Residual Learning for Image
# Recognition"), mirroring torchvision 0.14's resnet50: the same
# layers, state_dict keys, parameter count (25,557,032) and MACs. As in
# torchvision, each stage's first bottleneck strides on its 3x3
# convolution (torchvision calls this ResNet V1.5).

import "resnet.nas"

network resnet50(input = [3, 224, 224], classes = 1000) {
    x = conv(in, 64, k = 7, stride = 2, pad = 3, bias = false) as conv1
    x = bn(x) as bn1
    x = relu(x) as relu
    x = maxpool(x, 3, stride = 2, pad = 1) as maxpool

    x = x | seq as layer1 {
        repeat 3 { bottleneck(64) }
    }
    x = x | seq as layer2 {
        bottleneck(128, stride = 2)
        repeat 3 { bottleneck(128) }
    }
    x = x | seq as layer3 {
        bottleneck(256, stride = 2)
        repeat 5 { bottleneck(256) }
    }
    x = x | seq as layer4 {
        bottleneck(512, stride = 2)
        repeat 2 { bottleneck(512) }
    }

    x = global_avgpool(x) as avgpool
    x = flatten(x)
    return linear(x, classes) as fc
}
