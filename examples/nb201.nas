# The NAS-Bench-201 search space (Dong & Yang, "NAS-Bench-201: Extending
# the Scope of Reproducible Neural Architecture Search", ICLR 2020), as the
# TinyNetwork of their code (github.com/D-X-Y/AutoDL-Projects,
# lib/models/cell_infers/tiny_network.py, cells.py and cell_operations.py):
# CIFAR input 3x32x32, 10 classes.
#
# A cell has 4 nodes: node 0 is the cell input and node j is the sum over
# i < j of edge j<-i applied to node i, so there are 6 edges. Each edge is
# one of 5 ops: none (zeros), skip_connect (identity), nor_conv_1x1 and
# nor_conv_3x3 (ReLU, convolution without bias, batch norm) and
# avg_pool_3x3 (stride 1, padding 1, padding left out of the average).
# All 15 cells share one genotype, so the space has 5^6 = 15,625
# candidates. Its text is the benchmark's own string, such as
# |nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|
#
# Layer names are TinyNetwork's state_dict keys: stem.0, stem.1,
# cells.N.layers.K.op.1 (the conv of edge K of cell N), cells.5.conv_a ...,
# lastact.0, classifier. InferCell numbers the 6 edges K = 0 to 5 in the
# order 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2. The search-time cell of the
# same code keys its edges as edges["j<-i"][op index], which .nas names
# cannot contain: its edges["j<-i"][o].op.1.weight is layers.K.op.1.weight
# here, with K the edge's position in that order.

import "cell_ops.nas"

# The 6 edges of a cell, each a shared choice named eJ_I for edge J<-I, so
# that one decision serves every cell. The chosen op is named by the edge's
# index K in the enclosing scope (layers.K).
block nb201_cell_edges() {
    nodes = [in]
    edge = 0
    repeat j in range(1, 4) {
        repeat i in range(j) {
            x = nodes[i]
            y = shared choice(
                none = zero(x),
                skip_connect = identity(x),
                nor_conv_1x1 = relu_conv_bn(x, in.c, k = 1) as (edge),
                nor_conv_3x3 = relu_conv_bn(x, in.c, k = 3, pad = 1) as (edge),
                avg_pool_3x3 = avgpool(x, 3, stride = 1, pad = 1, count_include_pad = false) as (edge)
            ) as ("e" + str(j) + "_" + str(i))
            node = if i == 0 then y else node + y
            edge = edge + 1
        }
        nodes = nodes + [node]
    }
    return nodes[3]
}

# A searchable cell of NAS-Bench-201's InferCell. Its edges sit in the
# `layers` scope, as InferCell's nn.ModuleList of that name.
block nb201_cell() {
    return nb201_cell_edges(in) as layers
}

# ResNetBasicblock with stride 2, the fixed block between stages:
# ReLU-conv3x3-BN with stride 2, ReLU-conv3x3-BN, plus a shortcut of a 2x2
# average pooling with stride 2 and a 1x1 convolution without bias or batch
# norm.
block nb201_reduction(out) {
    y = relu_conv_bn(in, out, k = 3, stride = 2, pad = 1) as conv_a
    y = relu_conv_bn(y, out, k = 3, pad = 1) as conv_b
    shortcut = in | seq as downsample {
        avgpool(2, stride = 2)
        conv(out, k = 1, bias = false)
    }
    return shortcut + y
}

# c is the channel count of the first stage, cells_per_stage the cells of
# each stage (the benchmark uses 16 and 5).
network nb201(input = [3, 32, 32], classes = 10, c = 16, cells_per_stage = 5) {
    genotype "|{e1_0}~0|+|{e2_0}~0|{e2_1}~1|+|{e3_0}~0|{e3_1}~1|{e3_2}~2|"

    x = in | seq as stem {
        conv(c, k = 3, pad = 1, bias = false)
        bn
    }
    x = x | seq as cells {
        repeat cells_per_stage { nb201_cell() }
        nb201_reduction(2 * c)
        repeat cells_per_stage { nb201_cell() }
        nb201_reduction(4 * c)
        repeat cells_per_stage { nb201_cell() }
    }
    x = x | seq as lastact {
        bn
        relu
    }
    x = global_avgpool(x) as global_pooling
    return linear(flatten(x), classes) as classifier
}
