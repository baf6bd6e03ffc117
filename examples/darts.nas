# The DARTS search space (Liu, Simonyan & Yang, "DARTS: Differentiable
# Architecture Search", ICLR 2019; github.com/quark0/darts, cnn/model.py,
# genotypes.py and operations.py) on the CIFAR network of the paper's
# search phase: 8 cells of C = 16 channels, reduction cells at 1/3 and 2/3
# of the depth, input 3x32x32, 10 classes.
#
# A cell has two input nodes, the outputs of the two cells before it, each
# preprocessed to C channels: ReLUConvBN 1x1, or FactorizedReduce for the
# older one when the cell before was a reduction cell. Each of its 4
# intermediate nodes picks 2 of the nodes before it (pick(2, states)) and
# sums an op applied to each. The ops are none, max_pool_3x3, avg_pool_3x3,
# skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3 and dil_conv_5x5.
# In a reduction cell the ops on the two input nodes have stride 2 and the
# cell doubles C. The cell output is the concatenation of the 4
# intermediate nodes. One genotype serves all normal cells and another
# all reduction cells, so the space has (1 * 3 * 6 * 10 * 8^8)^2 = about
# 9.1 x 10^18 candidates. The DARTS literature quotes about 10^18 (Siems et
# al., "NAS-Bench-301 and the Case for Surrogate Benchmarks for Neural
# Architecture Search", arXiv:2008.09777). That matches the count without
# the none op, which DARTS never derives: (180 * 7^8)^2 is about 1.1 x 10^18.
#
# Choice names: normal_nodeN_inputs and reduce_nodeN_inputs (N = 2 to 5,
# the node number of DARTS's genotype, labelled like 0+1) and normal_opK
# and reduce_opK (K = 0 to 7, the position in DARTS's genotype list: the
# op on the first picked input of node N is K = 2 * (N - 2)). pick lists
# the two inputs in increasing order, so where a DARTS genotype lists the
# larger input of a node first (as DARTS_V2 does), its two ops and their
# _ops weights trade places here.
#
# This is the network of cnn/model.py (NetworkCIFAR), which builds a
# genotype, at the size of the search phase (cnn/model_search.py builds a
# mixture of all ops instead). Layer names are its state_dict keys:
# stem.0, cells.N.preprocess0 and preprocess1, cells.N._ops.K, classifier.
# Deviations from DARTS:
# - skip_connect on a stride-2 edge and preprocess0 after a reduction cell
#   are DARTS's FactorizedReduce, whose second convolution reads the input
#   shifted by one row and column. Here that convolution is a 2x2
#   convolution with stride 2 (stdlib cell_ops.nas,
#   darts_factorized_reduce), which equals DARTS's output when its kernel
#   holds the 1x1 weights at tap [1, 1] and zeros elsewhere. Each such
#   conv_2 has 4x DARTS's parameters.
# - No auxiliary head and no drop path, which only act in training.
# - Batch norms have affine parameters, as in NetworkCIFAR; the search
#   network of cnn/model_search.py has none in its ops.

import "cell_ops.nas"

# The 4 intermediate nodes of a cell, given the preprocessed inputs in
# (node 0) and s1 (node 1). The chosen ops are named by their position K
# in DARTS's genotype list, as NetworkCIFAR's Cell._ops.K.
block darts_cell_nodes(s1, kind, reduction) {
    c = in.c
    states = [in, s1]
    repeat node in range(4) {
        picked = shared pick(2, range(node + 2)) as (kind + "_node" + str(node + 2) + "_inputs")
        repeat j in range(2) {
            source = picked[j]
            x = states[source]
            stride = if reduction and source < 2 then 2 else 1
            position = 2 * node + j
            y = shared choice(
                none = zero(x, stride = stride),
                max_pool_3x3 = maxpool(x, 3, stride = stride, pad = 1) as (position),
                avg_pool_3x3 = avgpool(x, 3, stride = stride, pad = 1, count_include_pad = false)
                               as (position),
                skip_connect = if stride == 1 then identity(x)
                               else darts_factorized_reduce(x, c) as (position),
                sep_conv_3x3 = darts_sep_conv(x, c, k = 3, stride = stride) as (position),
                sep_conv_5x5 = darts_sep_conv(x, c, k = 5, stride = stride) as (position),
                dil_conv_3x3 = darts_dil_conv(x, c, k = 3, stride = stride) as (position),
                dil_conv_5x5 = darts_dil_conv(x, c, k = 5, stride = stride) as (position)
            ) as (kind + "_op" + str(position))
            node_sum = if j == 0 then y else node_sum + y
        }
        states = states + [node_sum]
    }
    return concat(states[2], states[3], states[4], states[5])
}

# One cell of c channels a node: in is the output of the cell two back
# (s0), s1 that of the cell before. Its output has 4 * c channels.
block darts_cell(s1, c, reduction = false, reduction_prev = false) {
    if reduction_prev {
        p0 = darts_factorized_reduce(in, c) as preprocess0
    } else {
        p0 = relu_conv_bn(in, c, k = 1) as preprocess0
    }
    p1 = relu_conv_bn(s1, c, k = 1) as preprocess1
    kind = if reduction then "reduce" else "normal"
    return darts_cell_nodes(p0, p1, kind, reduction) as _ops
}

# The stack of cells after the stem, numbered cells.0, cells.1 ... Each cell
# reads the outputs of the two cells before it (the stem output for the
# first two).
block darts_cells(c, layers) {
    s0 = in
    s1 = in
    reduction_prev = false
    repeat i in range(layers) {
        reduction = i == layers // 3 or i == 2 * layers // 3
        if reduction {
            c = 2 * c
        }
        out = darts_cell(s0, s1, c, reduction = reduction, reduction_prev = reduction_prev) as (i)
        s0 = s1
        s1 = out
        reduction_prev = reduction
    }
    return s1
}

# c is the channel count of a node in the first cells, layers the number of
# cells, stem_multiplier the stem's channels as a multiple of c.
network darts(input = [3, 32, 32], classes = 10, c = 16, layers = 8, stem_multiplier = 3) {
    x = in | seq as stem {
        conv(stem_multiplier * c, k = 3, pad = 1, bias = false)
        bn
    }
    x = darts_cells(x, c, layers) as cells
    x = global_avgpool(x) as global_pooling
    return linear(flatten(x), classes) as classifier
}
