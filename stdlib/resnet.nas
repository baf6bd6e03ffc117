# Residual blocks of ResNet (He et al. 2016, "Deep Residual Learning for
# Image Recognition") and ResNeXt (Xie et al. 2017, "Aggregated Residual
# Transformations for Deep Neural Networks"), with the layer names and
# hyper-parameters of torchvision 0.14's BasicBlock and Bottleneck
# (torchvision/models/resnet.py).

# Two 3x3 convolutions to planes channels with a residual connection. The
# shortcut is a strided 1x1 projection (`downsample`) only when
# the stride or the channel count changes, and the identity otherwise.
block basic_block(planes, stride = 1) {
    out = conv(in, planes, k = 3, stride = stride, pad = 1, bias = false) as conv1
    out = bn(out) as bn1
    out = relu(out) as relu
    out = conv(out, planes, k = 3, pad = 1, bias = false) as conv2
    out = bn(out) as bn2

    shortcut = in
    if stride != 1 or in.c != planes {
        shortcut = in | seq as downsample {
            conv(planes, k = 1, stride = stride, bias = false)
            bn
        }
    }
    return relu(out + shortcut) as relu
}

# 1x1 reduce, 3x3 (grouped for ResNeXt, strided when stride > 1), 1x1 expand
# to planes * expansion channels, with a residual connection. The inner
# width is int(planes * base_width / 64) * groups, so groups = 1 and
# base_width = 64 give ResNet's bottleneck and groups = 32, base_width = 4
# give ResNeXt-50 32x4d. The stride sits on the 3x3 convolution, as in
# torchvision (which calls it ResNet V1.5). The shortcut is as in basic_block.
block bottleneck(planes, stride = 1, groups = 1, base_width = 64, expansion = 4) {
    width = int(planes * (base_width / 64.0)) * groups
    out_channels = planes * expansion

    out = conv(in, width, k = 1, bias = false) as conv1
    out = bn(out) as bn1
    out = relu(out) as relu
    out = conv(out, width, k = 3, stride = stride, pad = 1, groups = groups, bias = false) as conv2
    out = bn(out) as bn2
    out = relu(out) as relu
    out = conv(out, out_channels, k = 1, bias = false) as conv3
    out = bn(out) as bn3

    shortcut = in
    if stride != 1 or in.c != out_channels {
        shortcut = in | seq as downsample {
            conv(out_channels, k = 1, stride = stride, bias = false)
            bn
        }
    }
    return relu(out + shortcut) as relu
}
