# The Single Path One-Shot search space (Guo et al., "Single Path One-Shot
# Neural Architecture Search with Uniform Sampling", ECCV 2020), as
# ShuffleNetV2_OneShot of github.com/megvii-model/SinglePathOneShot
# (src/Supernet/network.py and blocks.py): input 3x224x224, 1000 classes.
#
# A 3x3 stem with stride 2 to 16 channels, then 20 choice layers in 4
# stages of 4, 4, 8 and 4 layers with 64, 160, 320 and 640 output channels
# (the first layer of each stage has stride 2), then a 1x1 convolution to
# 1024 channels, global average pooling, dropout 0.1 and a linear layer
# without bias. Each layer is one of 4 ShuffleNetV2 choice blocks:
# Shuffle3x3, Shuffle5x5 and Shuffle7x7 (1x1, k x k depthwise, 1x1) and
# Xception (3 times a 3x3 depthwise and a 1x1 convolution), so the space
# has 4^20 = 1,099,511,627,776 candidates.
#
# Layer names are ShuffleNetV2_OneShot's with the chosen block in place of
# each layer's list of 4 choice blocks: its features.N.K.branch_main.M is
# features.N.branch_main.M here for the chosen K, and first_conv.0,
# conv_last.0 and classifier.0 keep their names. Choice names:
# features.layerN for layer N = 0 to 19. Deviation: the super-network's
# batch norms have no affine parameters (affine=False), while nasc's bn
# always has a weight and a bias.

# A ShuffleNetV2 choice block with out output channels. At stride 1 the
# input's even channels pass through and its odd channels feed
# branch_main, which the code does with its channel_shuffle; shuffle with
# in.c / 2 groups followed by a split in halves is the same. At stride 2
# both branches read the whole input, and branch_proj (depthwise
# convolution with the block's kernel, 1x1 convolution) makes in.c
# channels. branch_main makes the rest, through a mid = out / 2 wide
# bottleneck: with xception = false it is 1x1, k x k depthwise and 1x1;
# with xception = true it is three 3x3 depthwise + 1x1 pairs.
block spos_block(out, k = 3, stride = 1, xception = false) {
    mid = out // 2
    if stride == 1 {
        proj, x = split(shuffle(in, in.c // 2), 2)
    } else {
        proj = in
        x = in
    }
    branch_c = out - proj.c
    pad = k // 2
    if xception {
        main = x | seq as branch_main {
            conv(x.c, k = 3, stride = stride, pad = 1, groups = x.c, bias = false)
            bn
            conv(mid, k = 1, bias = false)
            bn
            relu
            conv(mid, k = 3, pad = 1, groups = mid, bias = false)
            bn
            conv(mid, k = 1, bias = false)
            bn
            relu
            conv(mid, k = 3, pad = 1, groups = mid, bias = false)
            bn
            conv(branch_c, k = 1, bias = false)
            bn
            relu
        }
    } else {
        main = x | seq as branch_main {
            conv(mid, k = 1, bias = false)
            bn
            relu
            conv(mid, k = k, stride = stride, pad = pad, groups = mid, bias = false)
            bn
            conv(branch_c, k = 1, bias = false)
            bn
            relu
        }
    }
    if stride == 2 {
        proj = proj | seq as branch_proj {
            conv(in.c, k = k, stride = stride, pad = pad, groups = in.c, bias = false)
            bn
            conv(in.c, k = 1, bias = false)
            bn
            relu
        }
    }
    return concat(proj, main)
}

network spos_shufflenet(input = [3, 224, 224], classes = 1000) {
    stage_layers = [4, 4, 8, 4]
    stage_channels = [64, 160, 320, 640]

    x = in | seq as first_conv {
        conv(16, k = 3, stride = 2, pad = 1, bias = false)
        bn
        relu
    }
    layer = 0
    x = x | seq as features {
        repeat s in range(4) {
            repeat i in range(stage_layers[s]) {
                stride = if i == 0 then 2 else 1
                out = stage_channels[s]
                choice(shuffle3x3 = spos_block(out, k = 3, stride = stride),
                       shuffle5x5 = spos_block(out, k = 5, stride = stride),
                       shuffle7x7 = spos_block(out, k = 7, stride = stride),
                       xception = spos_block(out, stride = stride, xception = true)
                ) as ("layer" + str(layer))
                layer = layer + 1
            }
        }
    }
    x = x | seq as conv_last {
        conv(1024, k = 1, bias = false)
        bn
        relu
    }
    x = global_avgpool(x) as globalpool
    x = dropout(x, p = 0.1) as dropout
    return flatten(x) | seq as classifier {
        linear(classes, bias = false)
    }
}
