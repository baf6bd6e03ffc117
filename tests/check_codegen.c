/*
 * Check suite of the generated C, with one op or fusion per case. Each case
 * builds a tiny network from .nas text and generates its C through the
 * codegen API. It then compiles and runs that C on a random input and
 * compares the output with the reference kernels of runtime/ applied to the
 * same input.
 *
 * The test draws the raw weights itself and hands them to cg_weights as a
 * safetensors file. The reference kernels then read the unfolded values that
 * a PyTorch state_dict would contain, while the generated code uses nasc's
 * folded ones. Outputs agree when max|gen - ref| <= 1e-4 * max|ref| + 1e-5.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../codegen/codegen.h"
#include "../runtime/runtime.h"
#include "testutil.h"

#define MAX_TENSORS 8

typedef struct {
    const char *name;
    const char *source;  /* a network named net */
    const float *input;  /* fixed input values, or NULL for a random input */
} codegen_case;

static const float hardswish_points[] = {-4, -3.5f, -3, -1.5f, 0, 1.5f, 3, 3.5f, 4};
/* Doubled by the add, these give -4, -3, -1, 0, 1, 3 and 4. */
static const float hardswish_halves[] = {-2, -1.5f, -0.5f, 0, 0.5f, 1.5f, 2};

/* NaN among negative and positive values: max pooling and relu keep it, as PyTorch does. */
static const float nan_plane[] = {-1, NAN, 2, -0.5f, 3, 0.5f, -2, 1, NAN, -3,
                                  4, -1.5f, 0, 2.5f, -4, 1.5f, -2.5f, 3.5f, -0.25f, 5};

/* An 8x8 plane with NaN in 4 places: whole tiles of both conv kernels keep NaN through relu. */
static const float nan_map[] = {-2.5f, 0, 2.5f, -0.5f, 2, NAN, 1.5f, -1.5f, 1, -2, 0.5f, -2.5f,
                                0, 2.5f, -0.5f, 2, -1, NAN, -1.5f, 1, -2, 0.5f, -2.5f, 0,
                                2.5f, -0.5f, 2, -1, 1.5f, -1.5f, 1, -2, 0.5f, -2.5f, 0, 2.5f,
                                -0.5f, 2, -1, 1.5f, NAN, 1, -2, 0.5f, -2.5f, 0, 2.5f, -0.5f,
                                2, -1, 1.5f, -1.5f, 1, -2, 0.5f, -2.5f, 0, 2.5f, -0.5f, 2,
                                -1, 1.5f, -1.5f, NAN};

/* nan_map times 8: after a conv, many values pass 6, where relu6 clamps them. */
static const float nan_map_x8[] = {-20, 0, 20, -4, 16, NAN, 12, -12, 8, -16, 4, -20,
                                   0, 20, -4, 16, -8, NAN, -12, 8, -16, 4, -20, 0,
                                   20, -4, 16, -8, 12, -12, 8, -16, 4, -20, 0, 20,
                                   -4, 16, -8, 12, NAN, 8, -16, 4, -20, 0, 20, -4,
                                   16, -8, 12, -12, 8, -16, 4, -20, 0, 20, -4, 16,
                                   -8, 12, -12, NAN};

static const codegen_case cases[] = {
    /* conv */
    {"conv_stride2_odd", "network net(input = [3, 7, 9]) {\n"
                         "    return conv(in, 4, k = 3, stride = 2, pad = 1)\n}\n", NULL},
    /*
     * Stride 2 on maps of more than 256 positions: the panel gathers every
     * other input column with vector loads and shuffles. Reading the
     * network's input, a load past a row's end would leave the buffer on
     * the last row. 45 columns give 23 outputs, whose last takes the
     * scalar loop. The 3x3 conv's rows for kw = 0 start after the left
     * padding, and those for kw = 1 end with a scalar column.
     */
    {"conv_stride2_gather_odd_width", "network net(input = [5, 37, 45]) {\n"
                                      "    return conv(in, 6, k = 1, stride = 2)\n}\n", NULL},
    {"conv_stride2_gather_3x3", "network net(input = [4, 41, 35]) {\n"
                                "    return conv(in, 8, k = 3, stride = 2, pad = 1) | relu\n}\n",
     NULL},
    {"conv_kernel_2x2", "network net(input = [3, 9, 7]) {\n"
                        "    return conv(in, 4, k = 2, stride = 2)\n}\n", NULL},
    {"conv_kernel_4x4", "network net(input = [3, 8, 7]) {\n"
                        "    return conv(in, 5, k = 4, pad = 1)\n}\n", NULL},
    {"conv_dilation_2", "network net(input = [3, 8, 9]) {\n"
                        "    return conv(in, 4, k = 3, dilation = 2, pad = 1)\n}\n", NULL},
    {"conv_dilation_3", "network net(input = [3, 11, 10]) {\n"
                        "    return conv(in, 4, k = 3, dilation = 3, stride = 2, pad = 1)\n}\n",
     NULL},
    {"conv_groups_6_to_12", "network net(input = [6, 5, 5]) {\n"
                            "    return conv(in, 12, k = 3, pad = 1, groups = 3)\n}\n", NULL},
    {"conv_depthwise_x2", "network net(input = [4, 7, 6]) {\n"
                          "    return conv(in, 8, k = 3, stride = 2, pad = 1, groups = 4)\n}\n",
     NULL},
    /* The kernel covers the whole padded input: one output cell. */
    {"conv_kernel_whole_input", "network net(input = [3, 4, 5]) {\n"
                                "    return conv(in, 6, k = [6, 7], pad = 1)\n}\n", NULL},
    {"conv_1x1_spatial", "network net(input = [16, 1, 1]) {\n"
                         "    return conv(in, 8, k = 1) | conv(4, k = 3, pad = 1)\n}\n", NULL},

    /*
     * The register-blocked kernels of convs with one group and dilation 1
     * compute tiles of 4 output channels by vectors of 4 floats (8 with
     * AVX). These cases reach the channel remainders (1 to 3 channels, or
     * fewer channels than a tile), position remainders, 1x1 maps, padded
     * borders wider than a vector, strides, and every fused epilogue.
     */
    {"pointwise_13_to_19", "network net(input = [13, 7, 9]) {\n"
                           "    return conv(in, 19, k = 1)\n}\n", NULL},
    /* Row slices whose panels are all whole: the panel's tail loop never runs. */
    {"pointwise_row_slices_whole_panels", "network net(input = [72, 17, 16]) {\n"
                                          "    return conv(in, 16, k = 1)\n}\n", NULL},
    {"pointwise_tile_multiple", "network net(input = [8, 6, 8]) {\n"
                                "    return conv(in, 16, k = 1, bias = false)\n}\n", NULL},
    {"pointwise_fewer_than_tile", "network net(input = [5, 3, 5]) {\n"
                                  "    return conv(in, 3, k = 1) | relu6\n}\n", NULL},
    {"pointwise_1x1_map", "network net(input = [24, 1, 1]) {\n"
                          "    return conv(in, 10, k = 1) | conv(7, k = 1) | hardswish\n}\n",
     NULL},
    {"pointwise_residual_relu", "network net(input = [6, 10, 13]) {\n"
                                "    x = conv(in, 9, k = 1)\n"
                                "    y = conv(x, 9, k = 1, bias = false) | bn\n"
                                "    return relu(y + x)\n}\n", NULL},
    {"dense_3x3_residual_relu", "network net(input = [16, 10, 10]) {\n"
                                "    x = conv(in, 24, k = 3, pad = 1)\n"
                                "    return relu(conv(x, 24, k = 3, pad = 1) + x)\n}\n", NULL},
    {"dense_3x3_wide_rows", "network net(input = [5, 4, 61]) {\n"
                            "    return conv(in, 6, k = 3, pad = 1, bias = false) | bn | relu\n}\n",
     NULL},
    {"dense_3x3_no_padding", "network net(input = [3, 9, 30]) {\n"
                             "    return conv(in, 5, k = 3)\n}\n", NULL},
    {"dense_5x5_pad_2", "network net(input = [4, 9, 27]) {\n"
                        "    return conv(in, 7, k = 5, pad = 2) | sigmoid\n}\n", NULL},
    {"dense_border_wider_than_vector", "network net(input = [2, 6, 12]) {\n"
                                      "    return conv(in, 4, k = [3, 11], pad = [1, 9])\n}\n",
     NULL},
    {"dense_1x3_and_3x1", "network net(input = [6, 8, 19]) {\n"
                          "    return conv(in, 5, k = [1, 3], pad = [0, 1]) |\n"
                          "           conv(6, k = [3, 1], pad = [1, 0])\n}\n", NULL},
    {"dense_1x1_padded", "network net(input = [3, 4, 5]) {\n"
                         "    return conv(in, 5, k = 1, pad = 1)\n}\n", NULL},
    {"dense_2x2_map", "network net(input = [8, 2, 2]) {\n"
                      "    return conv(in, 9, k = 3, pad = 1) | relu\n}\n", NULL},
    {"dense_stride2_7x7_pad3", "network net(input = [3, 17, 23]) {\n"
                               "    return conv(in, 6, k = 7, stride = 2, pad = 3) | relu\n}\n",
     NULL},
    {"dense_stride2_1x1_residual", "network net(input = [6, 9, 11]) {\n"
                                   "    a = conv(in, 10, k = 1, stride = 2)\n"
                                   "    b = conv(in, 10, k = 3, stride = 2, pad = 1)\n"
                                   "    return relu(a + b)\n}\n", NULL},
    /*
     * The wide-block kernel (output channels in the lanes) for maps of at
     * most 64 positions and multiples of 16 channels. 49 positions leave a
     * partial tile on every target, and K = 288 takes several chunks, with
     * a residual. Then stride 2 with dilation and a folded batch norm, a
     * 1x1 map smaller than a tile, and 64 positions in one chunk of k.
     */
    {"wide_7x7_chunks_residual", "network net(input = [64, 7, 7]) {\n"
                                 "    x = conv(in, 32, k = 3, pad = 1) | relu\n"
                                 "    return relu(conv(x, 32, k = 3, pad = 1) + x)\n}\n", NULL},
    {"wide_stride2_dilation_bn", "network net(input = [20, 13, 11]) {\n"
                                 "    return conv(in, 16, k = 3, stride = 2, pad = 2, dilation = 2,\n"
                                 "                bias = false) | bn | relu6\n}\n", NULL},
    {"wide_1x1_map", "network net(input = [40, 1, 1]) {\n"
                     "    return conv(in, 48, k = 3, pad = 1) | relu\n}\n", NULL},
    {"wide_8x8_one_chunk", "network net(input = [8, 8, 8]) {\n"
                           "    return conv(in, 16, k = 1)\n}\n", NULL},
    /*
     * Wide-block tiles along the rows of maps from 65 to 256 positions.
     * First chunks of channels with unequal padding, dilation and a
     * residual. Then stride 2 without padding (the input read in place)
     * and 48 channels, which AVX-512 tiles one block at a time. Then a 1x1
     * conv of stride 2 read in place across rows, and chunks of a 1x1 conv.
     */
    {"wide_rows_chunks_residual", "network net(input = [64, 12, 13]) {\n"
                                  "    x = conv(in, 32, k = 3, pad = 1) | relu\n"
                                  "    return relu(conv(x, 32, k = 3, pad = [1, 2], dilation = [1, 2]) + x)\n}\n",
     NULL},
    {"wide_rows_stride2_in_place", "network net(input = [24, 31, 29]) {\n"
                                   "    return conv(in, 48, k = 3, stride = 2) | relu\n}\n", NULL},
    {"wide_1x1_stride2_in_place", "network net(input = [40, 13, 14]) {\n"
                                  "    return conv(in, 32, k = 1, stride = 2, bias = false) | bn\n}\n",
     NULL},
    {"wide_1x1_chunks", "network net(input = [160, 7, 7]) {\n"
                        "    return conv(in, 64, k = 1) | relu6\n}\n", NULL},
    /*
     * Output channels that are not a multiple of 16: the last tile row
     * ends in a partial block (36 = 32 + 4, 40 = 32 + 8, 20 = 16 + 4),
     * and the partial sums of its chunks go to a buffer on the stack, not
     * y. Then the same with channel shuffles fused in, which write the
     * convs' channels between each other's in y: across rows on 7x7, and
     * along the rows of a 12x13 map.
     */
    {"wide_partial_block_chunks", "network net(input = [200, 7, 7]) {\n"
                                  "    x = conv(in, 36, k = 1) | relu\n"
                                  "    return relu(conv(x, 36, k = 3, pad = 1) + x)\n}\n", NULL},
    {"wide_partial_block_shuffle", "network net(input = [150, 7, 7]) {\n"
                                   "    a = conv(in, 20, k = 1) | relu\n"
                                   "    b = conv(in, 36, k = 3, pad = 1)\n"
                                   "    return concat(a, b) | shuffle(2)\n}\n", NULL},
    {"wide_rows_partial_shuffle", "network net(input = [300, 12, 13]) {\n"
                                  "    return conv(in, 40, k = 1) | relu | shuffle(2)\n}\n", NULL},
    /*
     * 1x1 convs of stride 1 on maps above 64 positions run their tiles in
     * a loop over the plane: with AVX-512, 90 positions end in a tile of
     * 6, with chunks of k, a partial tile row and a residual. Then
     * a 2x4 kernel, whose steps over kw a tile writes out one by one.
     */
    {"wide_flat_chunks_residual", "network net(input = [300, 9, 10]) {\n"
                                  "    x = conv(in, 48, k = 1) | relu\n"
                                  "    return relu(conv(x, 48, k = 1) + x)\n}\n", NULL},
    {"wide_kw_written_out", "network net(input = [20, 10, 11]) {\n"
                            "    return conv(in, 32, k = [2, 4], pad = [1, 2]) | relu\n}\n", NULL},
    {"dense_stride_1x2", "network net(input = [4, 6, 21]) {\n"
                         "    return conv(in, 5, k = 3, stride = [1, 2], pad = 1)\n}\n", NULL},
    {"dense_stride_2x1", "network net(input = [4, 9, 14]) {\n"
                         "    return conv(in, 5, k = 3, stride = [2, 1], pad = 1)\n}\n", NULL},

    /*
     * The im2col panel: C * KH * KW = 1440 values of k take several chunks
     * of the panel on every target, so partial sums go through y before the
     * epilogue of the last chunk. Output rows of 16400 floats, wider than
     * the panel's 16384, take the direct loop.
     */
    {"dense_k_chunks_residual", "network net(input = [160, 5, 13]) {\n"
                                "    x = conv(in, 6, k = 3, pad = 1) | bn\n"
                                "    return relu(conv(in, 6, k = 1) + x)\n}\n", NULL},
    {"dense_k_chunks_shuffled", "network net(input = [160, 3, 9]) {\n"
                                "    return conv(in, 12, k = 3, pad = 1) | shuffle(4)\n}\n", NULL},
    {"dense_67_to_70_stride2", "network net(input = [67, 9, 11]) {\n"
                               "    return conv(in, 70, k = 3, stride = 2, pad = 1) | relu6\n}\n",
     NULL},
    {"dense_stride2_pad_beyond_kernel", "network net(input = [3, 7, 8]) {\n"
                                        "    return conv(in, 5, k = 3, stride = 2, pad = 3)\n}\n",
     NULL},
    {"dense_stride2_1x1_map", "network net(input = [9, 2, 1]) {\n"
                              "    return conv(in, 66, k = 3, stride = 2, pad = 1)\n}\n", NULL},
    {"dense_row_wider_than_panel", "network net(input = [2, 1, 16400]) {\n"
                                   "    return conv(in, 5, k = 3, pad = 1) | relu\n}\n", NULL},
    /*
     * The gather of whole input channels into the panel, and its tiles.
     * 130 output channels of a 1x1 conv with one chunk of k on 17x19 run
     * block by block over all positions, ending in a partial tile and a
     * block of 2 channels, with a residual. Then a 15x15 kernel (225
     * values of k per channel) that takes chunks of the generic gather on
     * AVX-512 and AVX2, and 1x1 convs with stride 2 and with padding.
     * Then a 1x9 kernel on rows of 5 whose last taps read only padding.
     * Last, a padded 3x3 conv after a 1x1 one, whose panel leaves values
     * on the stack where the 3x3 conv's panel needs the zeros of its
     * padding (a kernel alone finds the stack's fresh pages zero).
     */
    {"dense_blocks_outer_residual", "network net(input = [16, 17, 19]) {\n"
                                    "    x = conv(in, 130, k = 3, pad = 1) | relu\n"
                                    "    return relu(conv(in, 130, k = 1) + x)\n}\n", NULL},
    {"dense_15x15_generic_gather", "network net(input = [3, 20, 18]) {\n"
                                   "    return conv(in, 5, k = 15, pad = 7) | relu\n}\n", NULL},
    {"dense_1x1_stride2_padded", "network net(input = [7, 21, 20]) {\n"
                                 "    return conv(in, 9, k = 1, stride = 2, pad = 1)\n}\n", NULL},
    {"dense_tap_past_right_edge", "network net(input = [3, 20, 5]) {\n"
                                  "    return conv(in, 4, k = [1, 9], pad = [0, 2]) | relu\n}\n", NULL},
    {"dense_padding_after_other_panel", "network net(input = [8, 20, 21]) {\n"
                                        "    return conv(in, 8, k = 1) | relu | conv(8, k = 3, pad = 1)\n}\n",
     NULL},
    /* grouped convs: packed per group, with channel blocks and tails inside each group */
    {"grouped_4_per_group_stride2",
     "network net(input = [16, 7, 9]) {\n"
     "    return conv(in, 24, k = 3, stride = 2, pad = 1, groups = 4)\n}\n", NULL},
    {"grouped_8_per_group_residual",
     "network net(input = [32, 5, 6]) {\n"
     "    x = conv(in, 32, k = 3, pad = 1, groups = 4) | relu\n"
     "    return relu(conv(x, 32, k = 3, pad = 1, groups = 4) + x)\n}\n", NULL},
    {"grouped_1x1_shuffled", "network net(input = [12, 5, 7]) {\n"
                             "    return conv(in, 15, k = 1, groups = 3) | shuffle(3)\n}\n", NULL},
    {"grouped_dilation_2", "network net(input = [8, 9, 10]) {\n"
                           "    return conv(in, 6, k = 3, dilation = 2, pad = 2, groups = 2)\n}\n",
     NULL},
    {"grouped_row_wider_than_panel", "network net(input = [4, 1, 16400]) {\n"
                                     "    return conv(in, 6, k = 3, pad = 1, groups = 2)\n}\n", NULL},
    {"dense_strided_row_wider_than_panel", "network net(input = [2, 2, 32803]) {\n"
                                           "    return conv(in, 3, k = 3, stride = 2, pad = 1)\n}\n",
     NULL},

    /*
     * Pooling on 6x5 with k = [3, 2], stride 2, pad 1: along H, ceil_mode
     * adds a last window that reaches past the padding, and along W it
     * adds one that would start in the right padding and is dropped.
     */
    {"maxpool_floor", "network net(input = [3, 6, 5]) {\n"
                      "    return maxpool(in, k = [3, 2], stride = 2, pad = 1)\n}\n", NULL},
    {"maxpool_ceil", "network net(input = [3, 6, 5]) {\n"
                     "    return maxpool(in, k = [3, 2], stride = 2, pad = 1, ceil_mode = true)\n"
                     "}\n", NULL},
    {"maxpool_dilation_ceil", "network net(input = [2, 8, 7]) {\n"
                              "    return maxpool(in, k = 3, stride = 2, pad = 1, dilation = 2,\n"
                              "                   ceil_mode = true)\n}\n", NULL},
    /*
     * Max pooling keeps a row buffer padded with -INFINITY: stride 1 with
     * padding on both sides (the NB201 and DARTS pooling), unequal strides
     * and pads with ceil_mode, and a 1x1 map whose window is mostly padding.
     */
    {"maxpool_stride1_pad", "network net(input = [3, 5, 6]) {\n"
                            "    return maxpool(in, k = 3, stride = 1, pad = 1)\n}\n", NULL},
    {"maxpool_uneven_ceil", "network net(input = [2, 5, 9]) {\n"
                            "    return maxpool(in, k = [2, 3], stride = [1, 2], pad = [1, 1],\n"
                            "                   ceil_mode = true)\n}\n", NULL},
    {"maxpool_1x1_map", "network net(input = [4, 1, 1]) {\n"
                        "    return maxpool(in, k = 3, stride = 1, pad = 1)\n}\n", NULL},
    {"nan_maxpool_relu", "network net(input = [1, 4, 5]) {\n"
                         "    return maxpool(in, k = 3, stride = 1, pad = 1) | relu\n}\n",
     nan_plane},
    {"nan_maxpool_stride2_ceil", "network net(input = [1, 4, 5]) {\n"
                                 "    return maxpool(in, k = 2, stride = 2, ceil_mode = true)\n}\n",
     nan_plane},
    {"nan_relu", "network net(input = [1, 4, 5]) {\n    return relu(in)\n}\n", nan_plane},
    {"nan_conv_relu_tiles", "network net(input = [1, 8, 8]) {\n"
                            "    return conv(in, 8, k = 1) | relu\n}\n", nan_map},
    {"nan_wide_relu_transposed", "network net(input = [1, 8, 8]) {\n"
                                 "    return conv(in, 16, k = 1) | relu\n}\n", nan_map},
    /* relu6 on vectors in the panel, wide-block and depthwise kernels, the last with a residual */
    {"nan_conv_relu6_tiles", "network net(input = [1, 8, 8]) {\n"
                             "    return conv(in, 8, k = 1) | relu6\n}\n", nan_map_x8},
    {"nan_wide_relu6_transposed", "network net(input = [1, 8, 8]) {\n"
                                  "    return conv(in, 16, k = 1) | relu6\n}\n", nan_map_x8},
    {"nan_depthwise_relu6_residual", "network net(input = [2, 2, 16]) {\n"
                                     "    return relu6(conv(in, 2, k = 3, pad = 1, groups = 2) + in)\n}\n",
     nan_map_x8},
    /* hardswish and hardsigmoid on vectors in the three kernels: NaN and values past both clamps */
    {"nan_conv_hardswish_tiles", "network net(input = [1, 8, 8]) {\n"
                                 "    return conv(in, 8, k = 1) | hardswish\n}\n", nan_map_x8},
    {"nan_wide_hardsigmoid_transposed", "network net(input = [1, 8, 8]) {\n"
                                        "    return conv(in, 16, k = 1) | hardsigmoid\n}\n",
     nan_map_x8},
    {"nan_depthwise_hardswish_residual", "network net(input = [2, 2, 16]) {\n"
                                         "    return hardswish(conv(in, 2, k = 3, pad = 1, groups = 2)"
                                         " + in)\n}\n",
     nan_map_x8},
    /*
     * Rows of 8 and 13 columns: partial vectors with AVX-512 (and the 5
     * columns after a whole vector with AVX2) go through relu6 or relu on
     * vectors, with the residual loaded as a partial vector.
     */
    {"nan_depthwise_partial_relu6", "network net(input = [2, 4, 8]) {\n"
                                    "    return relu6(conv(in, 2, k = 3, pad = 1, groups = 2) + in)\n}\n",
     nan_map_x8},
    {"depthwise_partial_vector_residual", "network net(input = [3, 6, 13]) {\n"
                                          "    x = conv(in, 3, k = 5, pad = 2, groups = 3) | bn\n"
                                          "    return relu(x + in)\n}\n", NULL},
    {"avgpool_floor_pad", "network net(input = [3, 6, 5]) {\n"
                          "    return avgpool(in, k = [3, 2], stride = 2, pad = 1)\n}\n", NULL},
    {"avgpool_floor_nopad", "network net(input = [3, 6, 5]) {\n"
                            "    return avgpool(in, k = [3, 2], stride = 2, pad = 1,\n"
                            "                   count_include_pad = false)\n}\n", NULL},
    {"avgpool_ceil_pad", "network net(input = [3, 6, 5]) {\n"
                         "    return avgpool(in, k = [3, 2], stride = 2, pad = 1, ceil_mode = true)\n"
                         "}\n", NULL},
    {"avgpool_ceil_nopad", "network net(input = [3, 6, 5]) {\n"
                           "    return avgpool(in, k = [3, 2], stride = 2, pad = 1, ceil_mode = true,\n"
                           "                   count_include_pad = false)\n}\n", NULL},
    {"global_avgpool", "network net(input = [5, 3, 4]) {\n"
                       "    return global_avgpool(in)\n}\n", NULL},

    /* channel ops */
    {"shuffle_3_groups", "network net(input = [5, 2, 3]) {\n"
                         "    return conv(in, 12, k = 1) | shuffle(3)\n}\n", NULL},
    /* No step produces the input, so the shuffle is a copy of its own. */
    {"shuffle_input_copy", "network net(input = [6, 2, 3]) {\n"
                           "    return shuffle(in, 3)\n}\n", NULL},
    {"shuffle_dense_wide", "network net(input = [5, 6, 20]) {\n"
                           "    return conv(in, 12, k = 3, pad = 1) | shuffle(4)\n}\n", NULL},
    /* The convs write their channels in shuffled order; the input is copied. */
    {"shuffle_after_concat", "network net(input = [3, 4, 4]) {\n"
                             "    a = conv(in, 3, k = 1)\n"
                             "    b = relu(conv(in, 6, k = 3, pad = 1))\n"
                             "    return concat(in, a, b) | shuffle(3)\n}\n", NULL},
    {"shuffle_concat_repeat", "network net(input = [3, 4, 4]) {\n"
                              "    a = conv(in, 3, k = 1) | bn\n"
                              "    b = conv(in, 3, k = 3, pad = 1, bias = false) | bn | relu6\n"
                              "    x = concat(a, b, a) | shuffle(3)\n"
                              "    return conv(x, 4, k = 1)\n}\n", NULL},
    /* torchvision's ShuffleNetV2 unit with stride 1: split, branch, concat, shuffle, split. */
    {"shufflenet_v2_unit", "network net(input = [4, 5, 5]) {\n"
                           "    a, b = split(in, 2)\n"
                           "    y = concat(a, relu(conv(b, 2, k = 1))) | shuffle(2)\n"
                           "    c, d = split(y, 2)\n"
                           "    return concat(c, conv(d, 2, k = 3, pad = 1) | bn | relu)\n}\n",
     NULL},
    {"concat_repeated_input", "network net(input = [3, 4, 4]) {\n"
                              "    a = conv(in, 2, k = 1)\n"
                              "    return concat(a, in, a)\n}\n", NULL},
    /* a and b are read only by the concat, so they are written into its slices. */
    {"concat_in_place", "network net(input = [3, 4, 5]) {\n"
                        "    a = conv(in, 2, k = 1)\n"
                        "    b = relu(conv(in, 5, k = 3, pad = 1))\n"
                        "    return concat(a, b)\n}\n", NULL},
    /* b and the input are read elsewhere too; a is written in place. */
    {"concat_shared_inputs", "network net(input = [3, 4, 5]) {\n"
                             "    a = conv(in, 2, k = 1)\n"
                             "    b = conv(in, 4, k = 3, pad = 1)\n"
                             "    return concat(a, b, in), relu(b)\n}\n", NULL},
    {"split_two_branches", "network net(input = [3, 5, 5]) {\n"
                           "    x = conv(in, 6, k = 1)\n"
                           "    a, b = split(x, [2, 4])\n"
                           "    return conv(a, 4, k = 1) + conv(b, 4, k = 3, pad = 1)\n}\n",
     NULL},
    {"flatten_linear_3x3", "network net(input = [3, 3, 3]) {\n"
                           "    return conv(in, 4, k = 3, pad = 1) | flatten | linear(5)\n}\n",
     NULL},
    /* 4-output tiles and a tail of 3, 37 inputs: vector pairs and a scalar tail */
    {"linear_37_to_11_relu", "network net(input = [37, 1, 1]) {\n"
                             "    return flatten(in) | linear(11) | relu\n}\n", NULL},

    /* activations and element-wise ops */
    {"hardswish_exact_points", "network net(input = [1, 1, 9]) {\n"
                               "    return hardswish(in)\n}\n", hardswish_points},
    {"hardswish_after_add", "network net(input = [1, 1, 7]) {\n"
                            "    return hardswish(in + in)\n}\n", hardswish_halves},
    {"add_relu_fused", "network net(input = [3, 5, 5]) {\n"
                       "    a = conv(in, 4, k = 1)\n"
                       "    b = conv(in, 4, k = 3, pad = 1)\n"
                       "    return relu(a + b)\n}\n", NULL},
    {"mul_per_channel", "network net(input = [4, 5, 5]) {\n"
                        "    s = global_avgpool(in) | linear(4) | sigmoid\n"
                        "    return in * s\n}\n", NULL},
    {"mul_hardsigmoid", "network net(input = [2, 3, 3]) {\n"
                        "    return in * hardsigmoid(in)\n}\n", NULL},
    {"zero_edge_add", "network net(input = [4, 5, 5]) {\n"
                      "    return conv(in, 4, k = 3, stride = 2, pad = 1) +\n"
                      "           zero(conv(in, 4, k = 1), stride = 2)\n}\n", NULL},
    /* A sum of zero edges is zero, and so is a view of it. A conv of a
       zero followed by batch norm yields the batch norm's shift. */
    {"zero_node_in_sum", "network net(input = [4, 5, 5]) {\n"
                         "    n2 = zero(in) + zero(conv(in, 4, k = 1))\n"
                         "    a = conv(in, 4, k = 3, pad = 1) + identity(n2)\n"
                         "    b = relu(n2) | conv(4, k = 1, bias = false) | bn\n"
                         "    return a + b, relu(n2) | avgpool(k = 3, stride = 1, pad = 1)\n}\n",
     NULL},
    {"relu6_standalone", "network net(input = [2, 3, 3]) {\n"
                         "    return relu6(in * in * in)\n}\n", NULL},

    /* batch norm */
    {"bn_fold_conv_bias", "network net(input = [3, 6, 6]) {\n"
                          "    return conv(in, 6, k = 3, pad = 1) | bn\n}\n", NULL},
    /*
     * Expansions run in blocks of channels with their depthwise conv (see
     * block_expand_pairs in codegen/lower.c). 220 channels of 37x35 take 3
     * blocks of 72 and a last one of 4. 200 channels of 45x47 take 4 of 48
     * and one of 8, into a 5x5 depthwise conv of stride 2. On 34x32 the
     * expansion reads its 8 input planes in place, with no panel.
     */
    {"expand_blocks_residual", "network net(input = [12, 37, 35]) {\n"
                               "    x = conv(in, 220, k = 1) | bn | relu6\n"
                               "    x = conv(x, 220, k = 3, pad = 2, dilation = 2, groups = 220) | relu6\n"
                               "    return conv(x, 12, k = 1) + in\n}\n", NULL},
    {"expand_blocks_stride2_k5", "network net(input = [16, 45, 47]) {\n"
                                 "    x = conv(in, 200, k = 1, bias = false) | hardswish\n"
                                 "    x = conv(x, 200, k = 5, stride = 2, pad = 2, groups = 200) | bn | relu\n"
                                 "    return conv(x, 24, k = 1)\n}\n", NULL},
    {"expand_blocks_input_in_place", "network net(input = [8, 34, 32]) {\n"
                                     "    x = conv(in, 256, k = 1) | relu6\n"
                                     "    return conv(x, 256, k = 3, pad = 1, groups = 256)\n}\n", NULL},
    /*
     * The projection runs in the blocks when its map has more than 256
     * positions: here 2 blocks of 328 channels and one of 244, more than
     * a chunk of k of the panel kernel, with relu and 20 output channels.
     * On 16x16 it runs after the blocks.
     */
    {"expand_blocks_project_chunked", "network net(input = [8, 18, 17]) {\n"
                                      "    x = conv(in, 900, k = 1) | relu\n"
                                      "    x = conv(x, 900, k = 3, pad = 1, groups = 900)\n"
                                      "    return conv(x, 20, k = 1) | relu\n}\n", NULL},
    {"expand_blocks_projection_small_map", "network net(input = [16, 31, 31]) {\n"
                                           "    x = conv(in, 300, k = 1) | relu6\n"
                                           "    x = conv(x, 300, k = 3, stride = 2, pad = 1, groups = 300)\n"
                                           "    return conv(x, 32, k = 1)\n}\n", NULL},
    {"bn_fold_depthwise", "network net(input = [4, 6, 6]) {\n"
                          "    return conv(in, 8, k = 3, pad = 1, groups = 4, bias = false) | bn"
                          " | relu\n}\n", NULL},
    {"bn_after_concat", "network net(input = [3, 4, 4]) {\n"
                        "    a = conv(in, 2, k = 1)\n"
                        "    b = conv(in, 3, k = 1)\n"
                        "    return concat(a, b) | bn(eps = 1e-3)\n}\n", NULL},

    /*
     * Depthwise convs (groups == input channels) run a kernel of their own.
     * It copies each input plane into a zero-padded buffer split into
     * stride phases, then computes tiles of output rows by up to 4 vectors
     * of columns. These cases reach maps narrower than one vector and than
     * two, tails of every size, 1x1 maps, padding wider than the kernel,
     * strides 2 and 3, dilations, channel multipliers and every fused
     * epilogue.
     */
    {"depthwise_3x3_7x7", "network net(input = [3, 7, 7]) {\n"
                          "    return conv(in, 3, k = 3, pad = 1, groups = 3)\n}\n", NULL},
    {"depthwise_3x3_13x11", "network net(input = [2, 13, 11]) {\n"
                            "    return conv(in, 2, k = 3, pad = 1, groups = 2)\n}\n", NULL},
    {"depthwise_3x3_stride2_13x11", "network net(input = [2, 13, 11]) {\n"
                                    "    return conv(in, 2, k = 3, stride = 2, pad = 1, groups = 2)"
                                    "\n}\n", NULL},
    {"depthwise_3x3_1x1_map", "network net(input = [4, 1, 1]) {\n"
                              "    return conv(in, 4, k = 3, pad = 1, groups = 4) |\n"
                              "           conv(4, k = 3, stride = 2, pad = 1, groups = 4)\n}\n",
     NULL},
    {"depthwise_3x3_no_padding", "network net(input = [2, 5, 21]) {\n"
                                 "    return conv(in, 2, k = 3, groups = 2)\n}\n", NULL},
    /* 70 columns: two tiles of 4 AVX2 vectors and a tail of 6, one AVX-512 tile and a tail of 6. */
    {"depthwise_3x3_wide_rows", "network net(input = [2, 3, 70]) {\n"
                                "    return conv(in, 2, k = 3, pad = 1, groups = 2)\n}\n", NULL},
    {"depthwise_3x3_stride2_wide", "network net(input = [2, 5, 141]) {\n"
                                   "    return conv(in, 2, k = 3, stride = 2, pad = 1, groups = 2)"
                                   "\n}\n", NULL},
    {"depthwise_5x5_stride2", "network net(input = [3, 19, 41]) {\n"
                              "    return conv(in, 3, k = 5, stride = 2, pad = 2, groups = 3)\n}\n",
     NULL},
    {"depthwise_7x7_stride2", "network net(input = [2, 23, 45]) {\n"
                              "    return conv(in, 2, k = 7, stride = 2, pad = 3, groups = 2)\n}\n",
     NULL},
    {"depthwise_7x7_on_5x5", "network net(input = [2, 5, 5]) {\n"
                             "    return conv(in, 2, k = 7, pad = 3, groups = 2)\n}\n", NULL},
    {"depthwise_dilation_2", "network net(input = [3, 12, 37]) {\n"
                             "    return conv(in, 3, k = 3, dilation = 2, pad = 2, groups = 3)\n}\n",
     NULL},
    {"depthwise_dilation_2_stride2", "network net(input = [2, 15, 40]) {\n"
                                     "    return conv(in, 2, k = 5, dilation = 2, stride = 2, pad = 3,"
                                     " groups = 2)\n}\n", NULL},
    /* The padding exceeds the dilated kernel: whole rows and columns see only zeros. */
    {"depthwise_padding_only_rows", "network net(input = [2, 3, 4]) {\n"
                                    "    return conv(in, 2, k = 2, pad = 3, groups = 2)\n}\n",
     NULL},
    /* Even widths of fewer than 16 columns per phase: the input plane is split into phases at once. */
    {"depthwise_stride2_even_width", "network net(input = [3, 10, 14]) {\n"
                                     "    return conv(in, 3, k = 5, stride = 2, pad = 2, groups = 3)"
                                     "\n}\n", NULL},
    {"depthwise_stride3_even_width", "network net(input = [2, 9, 12]) {\n"
                                     "    return conv(in, 2, k = 3, stride = 3, pad = 1, groups = 2)"
                                     "\n}\n", NULL},
    {"depthwise_stride3_odd_width", "network net(input = [2, 8, 13]) {\n"
                                    "    return conv(in, 2, k = 4, stride = 3, pad = 2, groups = 2)"
                                    "\n}\n", NULL},
    {"depthwise_multiplier_2", "network net(input = [3, 9, 26]) {\n"
                               "    return conv(in, 6, k = 3, pad = 1, groups = 3)\n}\n", NULL},
    {"depthwise_multiplier_3_stride2", "network net(input = [2, 11, 19]) {\n"
                                       "    return conv(in, 6, k = 5, stride = 2, pad = 2, groups = 2)"
                                       "\n}\n", NULL},
    {"depthwise_asymmetric_window", "network net(input = [2, 10, 33]) {\n"
                                    "    return conv(in, 2, k = [3, 5], stride = [1, 2], pad = [1, 2],"
                                    " groups = 2)\n}\n", NULL},
    {"depthwise_bias_relu6_residual", "network net(input = [4, 11, 35]) {\n"
                                      "    x = conv(in, 4, k = 1)\n"
                                      "    y = conv(x, 4, k = 3, pad = 1, groups = 4, bias = false)"
                                      " | bn\n"
                                      "    return relu6(y + x)\n}\n", NULL},
    {"depthwise_hardswish", "network net(input = [3, 9, 17]) {\n"
                            "    return conv(in, 3, k = 5, stride = 2, pad = 2, groups = 3) |\n"
                            "           hardswish\n}\n", NULL},
    /* torchvision's ShuffleNetV2 downsampling branch: the last conv writes shuffled channels. */
    {"depthwise_shuffled_output", "network net(input = [4, 9, 19]) {\n"
                                  "    a = conv(in, 4, k = 3, stride = 2, pad = 1, groups = 4) | bn\n"
                                  "    b = conv(in, 4, k = 3, stride = 2, pad = 1, groups = 4) | bn\n"
                                  "    return concat(a, b) | shuffle(2)\n}\n", NULL},
};

#define CASE_COUNT ((int)(sizeof cases / sizeof cases[0]))

/* ---- random values ---- */

static uint64_t rng_state;

/* splitmix64, scaled to [low, high). */
static float uniform(double low, double high)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (float)(low + (high - low) * (double)(z >> 11) / 9007199254740992.0);
}

static int64_t tensor_elements(const ir_tensor *t)
{
    int64_t n = 1;
    for (int d = 0; d < t->rank; d++)
        n *= t->dims[d];
    return n;
}

static const char *name_suffix(const ir_tensor *t)
{
    return strrchr(t->name, '.') + 1;
}

/*
 * Conv and linear tensors are uniform in +-1/sqrt(fan_in), as PyTorch
 * initializes them; batch-norm statistics are far from the identity so
 * that folding changes the values.
 */
static void random_tensor(const ir_tensor *t, float *out)
{
    double low = -1, high = 1;
    const char *suffix = name_suffix(t);
    if (t->rank == 4 || t->rank == 2 || strcmp(suffix, "bias") == 0) {
        int64_t fan_in = t->rank == 4 ? (int64_t)t->dims[1] * t->dims[2] * t->dims[3]
                         : t->rank == 2 ? t->dims[1]
                                        : 4;
        high = 1 / sqrt((double)fan_in);
        low = -high;
    }
    if (t->rank == 1 && strcmp(suffix, "weight") == 0)
        low = 0.5, high = 1.5;
    if (strcmp(suffix, "running_mean") == 0)
        low = -0.5, high = 0.5;
    if (strcmp(suffix, "running_var") == 0)
        low = 0.25, high = 2.0;
    for (int64_t i = 0; i < tensor_elements(t); i++)
        out[i] = uniform(low, high);
}

/* ---- raw weights ---- */

typedef struct {
    int count;
    ir_tensor tensors[MAX_TENSORS];
    float *values[MAX_TENSORS]; /* NULL for num_batches_tracked */
} node_weights;

static node_weights *random_weights(const ir_graph *g)
{
    node_weights *w = arena_alloc(sizeof(node_weights) * (size_t)g->nnodes);
    for (int i = 0; i < g->nnodes; i++) {
        w[i].count = ir_node_tensors(g, i, w[i].tensors, MAX_TENSORS);
        for (int k = 0; k < w[i].count; k++) {
            const ir_tensor *t = &w[i].tensors[k];
            if (t->rank == 0)
                continue;
            w[i].values[k] = arena_alloc(sizeof(float) * (size_t)tensor_elements(t));
            random_tensor(t, w[i].values[k]);
        }
    }
    return w;
}

/* The raw tensor of node i whose name ends in `.suffix`, or NULL. */
static const float *raw(const node_weights *w, int i, const char *suffix)
{
    for (int k = 0; k < w[i].count; k++)
        if (strcmp(name_suffix(&w[i].tensors[k]), suffix) == 0)
            return w[i].values[k];
    return NULL;
}

/*
 * Writes every tensor of rank > 0 as safetensors: an 8-byte little-endian
 * header length, a JSON header padded with spaces to a multiple of 8, then
 * the little-endian float32 data. num_batches_tracked is left out, which
 * nasc accepts.
 */
static void write_safetensors(const ir_graph *g, const node_weights *w, const char *path)
{
    const char *header = "{";
    const char *separator = "";
    int64_t offset = 0;
    for (int i = 0; i < g->nnodes; i++) {
        for (int k = 0; k < w[i].count; k++) {
            const ir_tensor *t = &w[i].tensors[k];
            if (t->rank == 0)
                continue;
            const char *shape = "";
            for (int d = 0; d < t->rank; d++)
                shape = arena_printf("%s%s%d", shape, d ? ", " : "", t->dims[d]);
            int64_t end = offset + 4 * tensor_elements(t);
            header = arena_printf("%s%s\"%s\": {\"dtype\": \"F32\", \"shape\": [%s], "
                                  "\"data_offsets\": [%lld, %lld]}",
                                  header, separator, t->name, shape, (long long)offset,
                                  (long long)end);
            separator = ", ";
            offset = end;
        }
    }
    header = arena_printf("%s}", header);
    while (strlen(header) % 8 != 0)
        header = arena_printf("%s ", header);

    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    uint64_t length = strlen(header);
    for (int b = 0; b < 8; b++)
        fputc((int)(length >> (8 * b)) & 0xff, f);
    fputs(header, f);
    for (int i = 0; i < g->nnodes; i++) {
        for (int k = 0; k < w[i].count; k++) {
            const ir_tensor *t = &w[i].tensors[k];
            for (int64_t e = 0; t->rank > 0 && e < tensor_elements(t); e++) {
                uint32_t u;
                memcpy(&u, &w[i].values[k][e], sizeof u);
                for (int b = 0; b < 4; b++)
                    fputc((int)(u >> (8 * b)) & 0xff, f);
            }
        }
    }
    ck_assert_int_eq(fclose(f), 0);
}

/* ---- the reference interpreter ---- */

static rt_shape rt_shape_of(ir_shape s)
{
    rt_shape r = {s.c, s.h, s.w};
    return r;
}

static rt_window rt_window_of(ir_window w)
{
    rt_window r = {w.kh, w.kw, w.sh, w.sw, w.ph, w.pw, w.dh, w.dw};
    return r;
}

static void assert_same_shape(const char *what, rt_shape ref, ir_shape ir)
{
    ck_assert_msg(ref.c == ir.c && ref.h == ir.h && ref.w == ir.w,
                  "%s: the reference computes %dx%dx%d, the IR has %dx%dx%d", what, ref.c, ref.h,
                  ref.w, ir.c, ir.h, ir.w);
}

/* Computes node i from the values of its inputs with the reference kernels. */
static void run_node(const ir_graph *g, const node_weights *w, float **values, int i)
{
    const ir_node *n = &g->nodes[i];
    float *y = values[i];
    int64_t count = ir_shape_elements(n->shape);
    const float *x = n->ninputs > 0 ? values[n->inputs[0]] : NULL;
    rt_shape in = n->ninputs > 0 ? rt_shape_of(g->nodes[n->inputs[0]].shape) : rt_shape_of(n->shape);

    switch (n->op) {
    case IR_INPUT:
        break;
    case IR_CONV: {
        rt_window win = rt_window_of(n->attr.conv.win);
        assert_same_shape(n->name, rt_conv2d_output(in, n->attr.conv.out, win), n->shape);
        rt_conv2d(x, in, raw(w, i, "weight"), raw(w, i, "bias"), n->attr.conv.out, win,
                  n->attr.conv.groups, y);
        break;
    }
    case IR_LINEAR:
        rt_linear(x, in.c, raw(w, i, "weight"), raw(w, i, "bias"), n->attr.linear.out, y);
        break;
    case IR_BN:
        rt_batch_norm(x, in, raw(w, i, "weight"), raw(w, i, "bias"), raw(w, i, "running_mean"),
                      raw(w, i, "running_var"), n->attr.bn.eps, y);
        break;
    case IR_RELU: rt_relu(x, count, y); break;
    case IR_RELU6: rt_relu6(x, count, y); break;
    case IR_HARDSWISH: rt_hardswish(x, count, y); break;
    case IR_HARDSIGMOID: rt_hardsigmoid(x, count, y); break;
    case IR_SIGMOID: rt_sigmoid(x, count, y); break;
    case IR_MAXPOOL:
    case IR_AVGPOOL: {
        rt_window win = rt_window_of(n->attr.pool.win);
        assert_same_shape(n->name, rt_pool_output(in, win, n->attr.pool.ceil_mode), n->shape);
        if (n->op == IR_MAXPOOL)
            rt_max_pool(x, in, win, n->attr.pool.ceil_mode, y);
        else
            rt_avg_pool(x, in, win, n->attr.pool.ceil_mode, n->attr.pool.count_include_pad, y);
        break;
    }
    case IR_GLOBAL_AVGPOOL: rt_global_avg_pool(x, in, y); break;
    case IR_ADD: rt_add(x, values[n->inputs[1]], count, y); break;
    case IR_MUL: {
        ir_shape b = g->nodes[n->inputs[1]].shape;
        bool per_channel = b.h == 1 && b.w == 1 && (in.h != 1 || in.w != 1);
        rt_mul(x, values[n->inputs[1]], in, per_channel, y);
        break;
    }
    case IR_CONCAT: {
        const float **inputs = arena_alloc(sizeof(float *) * (size_t)n->ninputs);
        int *channels = arena_alloc(sizeof(int) * (size_t)n->ninputs);
        for (int k = 0; k < n->ninputs; k++) {
            inputs[k] = values[n->inputs[k]];
            channels[k] = g->nodes[n->inputs[k]].shape.c;
        }
        rt_concat(inputs, channels, n->ninputs, n->shape.h, n->shape.w, y);
        break;
    }
    case IR_SPLIT: rt_split(x, in, n->attr.split.start, n->attr.split.channels, y); break;
    case IR_SHUFFLE: rt_channel_shuffle(x, in, n->attr.shuffle.groups, y); break;
    case IR_FLATTEN: rt_flatten(x, in, y); break;
    case IR_IDENTITY:
    case IR_DROPOUT: memcpy(y, x, sizeof(float) * (size_t)count); break;
    case IR_ZERO: rt_zero(in, n->attr.zero.stride, y); break;
    case IR_OP_COUNT: ck_abort_msg("node %d has no op", i); break;
    }
}

/* The network's outputs, concatenated, computed with the reference kernels. */
static float *reference_outputs(const ir_graph *g, const node_weights *w, const float *input,
                                int64_t *count)
{
    float **values = arena_alloc(sizeof(float *) * (size_t)g->nnodes);
    for (int i = 0; i < g->nnodes; i++) {
        values[i] = arena_alloc(sizeof(float) * (size_t)ir_shape_elements(g->nodes[i].shape));
        if (i == 0)
            memcpy(values[0], input, sizeof(float) * (size_t)ir_shape_elements(g->nodes[0].shape));
        else
            run_node(g, w, values, i);
    }

    *count = 0;
    for (int k = 0; k < g->noutputs; k++)
        *count += ir_shape_elements(g->nodes[g->outputs[k]].shape);
    float *out = arena_alloc(sizeof(float) * (size_t)*count);
    int64_t at = 0;
    for (int k = 0; k < g->noutputs; k++) {
        int64_t n = ir_shape_elements(g->nodes[g->outputs[k]].shape);
        memcpy(out + at, values[g->outputs[k]], sizeof(float) * (size_t)n);
        at += n;
    }
    return out;
}

/* ---- generating, compiling and running ---- */

static void write_floats(const char *path, const float *values, int64_t count)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    ck_assert_int_eq(fwrite(values, sizeof(float), (size_t)count, f), (size_t)count);
    ck_assert_int_eq(fclose(f), 0);
}

/* Reads exactly `count` floats, failing the test on a shorter or longer file. */
static float *read_floats(const char *path, int64_t count)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "the generated program wrote no %s", path);
    float *values = arena_alloc(sizeof(float) * (size_t)count + 1);
    size_t got = fread(values, sizeof(float), (size_t)count, f);
    int extra = fgetc(f);
    fclose(f);
    ck_assert_msg(got == (size_t)count, "%s has %zu floats, expected %lld", path, got,
                  (long long)count);
    ck_assert_msg(extra == EOF, "%s has more than the %lld floats expected", path,
                  (long long)count);
    return values;
}

/* Runs `command` with the shell and fails the test unless it exits with status 0. */
static void run_command(const char *case_name, const char *command)
{
    int status = system(command);
    ck_assert_msg(status == 0, "%s: '%s' failed with status %d", case_name, command, status);
}

static bool cpu_has_avx2_fma(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

static bool cpu_has_avx512f(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
#else
    return false;
#endif
}

/* Fails the test unless max|actual - expected| <= 1e-4 * max|expected| + 1e-5. */
static void compare_outputs(const char *what, const float *actual, const float *expected,
                            int64_t count)
{
    double max_ref = 0, max_diff = 0;
    int64_t worst = 0;
    for (int64_t i = 0; i < count; i++) {
        if (isnan(expected[i]) || isnan(actual[i])) {
            ck_assert_msg(isnan(expected[i]) && isnan(actual[i]),
                          "%s: output %lld is %.9g, the reference gives %.9g", what, (long long)i,
                          actual[i], expected[i]);
            continue;
        }
        double diff = fabs((double)actual[i] - expected[i]);
        if (fabs(expected[i]) > max_ref)
            max_ref = fabs(expected[i]);
        if (diff > max_diff || isnan(diff)) {
            max_diff = diff;
            worst = i;
        }
    }
    double tolerance = 1e-4 * max_ref + 1e-5;
    ck_assert_msg(max_diff <= tolerance,
                  "%s: output %lld is %.9g, the reference gives %.9g (max diff %.3g > %.3g)",
                  what, (long long)worst, actual[worst], expected[worst], max_diff, tolerance);
}

/*
 * Returns the absolute path of tests/poison_stack.c, quoted for the shell, which
 * fills the stack with NaN before main (see there). The suite runs from
 * the repository's root, as make check runs it.
 */
static const char *poison_source(void)
{
    char *path = realpath("tests/poison_stack.c", NULL);
    ck_assert_msg(path != NULL, "cannot find tests/poison_stack.c: run the suite from the "
                                "repository's root");
    const char *quoted = arena_printf("'%s'", path);
    free(path);
    return quoted;
}

START_TEST(generated_matches_reference)
{
    const codegen_case *c = &cases[_i];
    rng_state = 0x5EED0000u + (uint64_t)_i;
    ir_graph *g = tu_build(c->source);
    node_weights *w = random_weights(g);

    char dir[] = "/tmp/nasc_check_codegen_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    const char *safetensors_path = arena_printf("%s/raw.safetensors", dir);
    write_safetensors(g, w, safetensors_path);

    cg_program *p = cg_lower(g);
    cg_plan(p);
    float *folded = cg_weights(p, safetensors_path, 0);
    ck_assert_msg(folded != NULL, "%s: cg_weights rejected the safetensors file", c->name);
    int64_t input_count = ir_shape_elements(g->nodes[0].shape);
    float *input = arena_alloc(sizeof(float) * (size_t)input_count);
    for (int64_t i = 0; i < input_count; i++)
        input[i] = c->input ? c->input[i] : uniform(-2, 2);
    write_floats(arena_printf("%s/input.bin", dir), input, input_count);
    int64_t count;
    float *expected = reference_outputs(g, w, input, &count);

    /*
     * Every target's kernels, built with ASan and UBSan. The AVX-512 code
     * (vectors of 16 floats) runs with the AVX2 instructions the compiler
     * splits them into when this CPU lacks AVX-512: the same kernel text,
     * tile sizes and remainders.
     */
    static const struct {
        cg_target target;
        const char *flags;
    } builds[] = {
        {CG_TARGET_SCALAR, "-O1"},
        {CG_TARGET_AVX2, "-O2 -mavx2 -mfma -ffp-contract=fast"},
        {CG_TARGET_AVX512, "-O2 -mavx2 -mfma -ffp-contract=fast"},
    };
    /* warnings are errors, also at -O1, where gcc 12 tracks fewer loop bounds */
    const char *strict = "-Wall -Wextra -Werror -pedantic "
                         "-fsanitize=address,undefined -fno-sanitize-recover=undefined";
    float *outputs[sizeof builds / sizeof builds[0]] = {NULL};
    for (size_t b = 0; b < sizeof builds / sizeof builds[0]; b++) {
        cg_target target = builds[b].target;
        if (target != CG_TARGET_SCALAR && !cpu_has_avx2_fma())
            continue;
        const char *flags = target == CG_TARGET_AVX512 && cpu_has_avx512f()
                                ? "-O2 -mavx512f -mavx2 -mfma -ffp-contract=fast"
                                : builds[b].flags;
        const char *sub = arena_printf("%s/%s", dir, cg_target_name(target));
        cg_options options = {sub, "check_codegen", false, false, target, 1, 0};
        cg_files files = cg_render(p, folded, &options);
        ck_assert_msg(cg_write(p, &files, sub), "%s: cg_write failed in %s", c->name, sub);
        run_command(c->name, arena_printf("cd '%s' && cc -std=c99 %s %s -o prog main.c %s.c %s -lm",
                                          sub, flags, strict, g->name, poison_source()));
        run_command(c->name, arena_printf("cd '%s' && ./prog %s.weights ../input.bin output.bin",
                                          sub, g->name));
        float *actual = read_floats(arena_printf("%s/output.bin", sub), count);
        compare_outputs(arena_printf("%s (target %s, cc %s)", c->name, cg_target_name(target),
                                     flags),
                        actual, expected, count);
        outputs[b] = actual;
    }

    /*
     * The AVX2 code (scalar without AVX2) again with 3 threads and every
     * step split that can split: slices of the same kernels, so the output
     * must equal the 1-thread output bit for bit.
     */
    size_t single = cpu_has_avx2_fma() ? 1 : 0;
    const char *sub = arena_printf("%s/threads", dir);
    cg_options options = {sub, "check_codegen", false, false, builds[single].target, 3, 1};
    cg_files files = cg_render(p, folded, &options);
    ck_assert_msg(cg_write(p, &files, sub), "%s: cg_write failed in %s", c->name, sub);
    run_command(c->name, arena_printf("cd '%s' && cc -std=c99 %s %s -pthread -o prog main.c %s.c %s -lm",
                                      sub, builds[single].flags, strict, g->name, poison_source()));
    run_command(c->name, arena_printf("cd '%s' && ./prog %s.weights ../input.bin output.bin",
                                      sub, g->name));
    float *threaded = read_floats(arena_printf("%s/output.bin", sub), count);
    for (int64_t i = 0; i < count; i++)
        ck_assert_msg(memcmp(&threaded[i], &outputs[single][i], sizeof(float)) == 0,
                      "%s: with 3 threads, output %lld is %.9g, with 1 thread %.9g", c->name,
                      (long long)i, threaded[i], outputs[single][i]);

    /*
     * Without the sanitizers gcc optimizes differently: at -O2 it warned
     * of undefined behavior in a loop that never ran, in the row slices
     * of a 2-thread build. The 2- and 3-thread code compiles without
     * warnings there too.
     */
    for (int threads = 2; threads <= 3; threads++) {
        const char *plain = arena_printf("%s/plain%d", dir, threads);
        cg_options plain_options = {plain, "check_codegen", false, false, builds[single].target,
                                    threads, 1};
        cg_files plain_files = cg_render(p, folded, &plain_options);
        ck_assert_msg(cg_write(p, &plain_files, plain), "%s: cg_write failed in %s", c->name,
                      plain);
        run_command(c->name, arena_printf("cd '%s' && cc -std=c99 %s -Wall -Wextra -Werror -pedantic "
                                          "-c %s.c -o /dev/null",
                                          plain, builds[single].flags, g->name));
    }
    run_command(c->name, arena_printf("rm -r '%s'", dir));
}
END_TEST

/*
 * The scalar target runs the wide-block kernel with 16 channels by one
 * position, so its tiles must loop along the rows. Unrolled across rows,
 * as the vector targets' tiles are, a network of wide convs on 7x7 and
 * 8x8 maps came to 31,558 lines of C against 2,444 for AVX-512, and took
 * 20 s to compile. Its source must stay no longer than the AVX-512 one.
 */
START_TEST(scalar_wide_code_size)
{
    ir_graph *g = tu_build("network net(input = [16, 8, 8]) {\n"
                           "    x = conv(in, 32, k = 5, pad = 2) | relu\n"
                           "    x = relu(conv(x, 32, k = 3, pad = 1) + x)\n"
                           "    return conv(x, 80, k = 3, stride = 1, pad = 0)\n}\n");
    cg_program *p = cg_lower(g);
    cg_plan(p);
    float *weights = cg_weights(p, NULL, 1);
    ck_assert_ptr_nonnull(weights);
    size_t length[2];
    cg_target targets[2] = {CG_TARGET_SCALAR, CG_TARGET_AVX512};
    for (int t = 0; t < 2; t++) {
        cg_options options = {"/tmp", "check_codegen", false, false, targets[t], 1, 0};
        cg_files files = cg_render(p, weights, &options);
        length[t] = strlen(files.source);
    }
    ck_assert_msg(length[0] <= length[1], "scalar NET.c has %zu bytes, the AVX-512 one %zu",
                  length[0], length[1]);
}
END_TEST

/*
 * A conv whose last taps lie wholly in the right padding: the gather works
 * out an empty range of input columns for them, which must not become a
 * negative offset (it once wrote a zero before the tap's panel row).
 */
START_TEST(gather_offsets_not_negative)
{
    ir_graph *g = tu_build("network net(input = [3, 20, 5]) {\n"
                           "    return conv(in, 4, k = [1, 9], pad = [0, 2])\n}\n");
    cg_program *p = cg_lower(g);
    cg_plan(p);
    float *weights = cg_weights(p, NULL, 1);
    ck_assert_ptr_nonnull(weights);
    cg_target targets[3] = {CG_TARGET_SCALAR, CG_TARGET_AVX2, CG_TARGET_AVX512};
    for (int t = 0; t < 3; t++) {
        cg_options options = {"/tmp", "check_codegen", false, false, targets[t], 1, 0};
        cg_files files = cg_render(p, weights, &options);
        const char *at = strstr(files.source, "+ -");
        ck_assert_msg(at == NULL, "target %s: negative offset at '%.40s'",
                      cg_target_name(targets[t]), at ? at : "");
    }
}
END_TEST

/*
 * The blocks of an expansion and its depthwise conv write every block to
 * the same planes, except under NASC_PROBE, where the probe of the
 * expansion must read the whole tensor. A hook that sums every probed
 * tensor must print the same sums for the blocks on 1 and 3 threads as
 * for the convs run one after the other (channel_block cleared). On 1
 * thread, NASC_PROBE_BLOCK must follow every block of each conv (the
 * projection's too, when it runs in the blocks) with its step, before
 * their probes, because bench/profile.c charges the blocks by it. The
 * threaded and the unblocked builds must make no such calls.
 */
START_TEST(expand_blocks_probe_whole_tensor)
{
    ir_graph *g = tu_build(cases[_i].source);
    cg_program *p = cg_lower(g);
    cg_plan(p);
    float *weights = cg_weights(p, NULL, 1);
    ck_assert_ptr_nonnull(weights);
    char dir[] = "/tmp/nasc_check_codegen_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    FILE *f = fopen(arena_printf("%s/input.bin", dir), "wb");
    ck_assert_ptr_nonnull(f);
    for (int64_t i = 0; i < ir_shape_elements(g->nodes[0].shape); i++) {
        float v = (float)((i * 37) % 101) / 50.0f - 1.0f;
        fwrite(&v, sizeof v, 1, f);
    }
    fclose(f);
    FILE *hook = fopen(arena_printf("%s/hook.c", dir), "w");
    ck_assert_ptr_nonnull(hook);
    fprintf(hook, "#include <stdio.h>\n"
                  "void hook(int step, int kind, const float *data, const int *channels, int c,\n"
                  "          int h, int w)\n{\n"
                  "    double sum = 0;\n"
                  "    (void)kind;\n    (void)channels;\n"
                  "    for (long i = 0; i < (long)c * h * w; i++)\n"
                  "        sum += data[i];\n"
                  "    fprintf(stderr, \"step %%d: %%.17g\\n\", step, sum);\n}\n"
                  "void block(int step)\n{\n"
                  "    fprintf(stderr, \"block %%d\\n\", step);\n}\n");
    fclose(hook);
    /* the blocked pair, and the calls its blocks must make */
    int expansion = -1;
    for (int t = 0; t < p->nsteps && expansion < 0; t++)
        if (p->steps[t].channel_block > 0)
            expansion = t;
    ck_assert_msg(expansion >= 0, "%s: no step runs in blocks", cases[_i].name);
    int depthwise = expansion + 1;
    while (p->steps[depthwise].deleted)
        depthwise++;
    int projection = depthwise + 1;
    while (projection < p->nsteps && p->steps[projection].deleted)
        projection++;
    bool projects = p->steps[expansion].block_projection;
    /* the cases whose projection cannot run in the blocks */
    bool separate = strcmp(cases[_i].name, "expand_blocks_input_in_place") == 0 ||
                    strcmp(cases[_i].name, "expand_blocks_projection_small_map") == 0;
    ck_assert_msg(projects != separate, "%s: the projection %s in the blocks", cases[_i].name,
                  projects ? "runs" : "does not run");
    int channels = g->nodes[p->steps[expansion].layer].shape.c;
    int block = p->steps[expansion].channel_block;
    const char *expected = "";
    for (int c0 = 0; c0 < channels; c0 += block)
        expected = arena_printf("%sblock %d\nblock %d\n%s", expected, expansion, depthwise,
                                projects ? arena_printf("block %d\n", projection) : "");
    /* blocks on 1 thread, on 3 threads, then one conv after the other */
    const char *sums[3];
    for (int build = 0; build < 3; build++) {
        int threads = build == 1 ? 3 : 1;
        if (build == 2)
            for (int t = 0; t < p->nsteps; t++) {
                p->steps[t].channel_block = 0;
                p->steps[t].block_projection = false;
            }
        const char *sub = arena_printf("%s/b%d", dir, build);
        cg_options options = {sub, "check_codegen", false, false, CG_TARGET_SCALAR, threads, 1};
        cg_files files = cg_render(p, weights, &options);
        /* the threaded build runs the projection after the blocks */
        bool pair = strstr(files.source, "expansion and depthwise conv in blocks of") != NULL;
        bool triple =
            strstr(files.source, "expansion, depthwise conv and projection in blocks of") != NULL;
        ck_assert_msg(triple == (build == 0 && projects), "%s: build %d has %s projection blocks",
                      cases[_i].name, build, triple ? "" : "no");
        bool blocks = pair || triple;
        ck_assert_msg(blocks == (build < 2), "%s: build %d has %s blocks", cases[_i].name, build,
                      blocks ? "" : "no");
        ck_assert(cg_write(p, &files, sub));
        run_command(cases[_i].name,
                    arena_printf("cd '%s' && cc -std=c99 -O1 -DNASC_PROBE=hook "
                                 "-DNASC_PROBE_BLOCK=block -pthread -o prog main.c %s.c "
                                 "../hook.c -lm && ./prog %s.weights ../input.bin output.bin "
                                 "2> sums.txt",
                                 sub, g->name, g->name));
        FILE *in = fopen(arena_printf("%s/sums.txt", sub), "r");
        ck_assert_ptr_nonnull(in);
        char text[4096] = "";
        size_t n = fread(text, 1, sizeof text - 1, in);
        text[n] = '\0';
        fclose(in);
        ck_assert_msg(strstr(text, "step 0: ") != NULL, "%s: no probe output", cases[_i].name);
        /* the block calls apart, and none after the pair's probes */
        const char *block_lines = "", *probes = "", *last_block = "";
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
            if (strncmp(line, "block ", 6) == 0) {
                block_lines = arena_printf("%s%s\n", block_lines, line);
                last_block = probes;
            } else {
                probes = arena_printf("%s%s\n", probes, line);
            }
        }
        ck_assert_msg(strcmp(block_lines, build == 0 ? expected : "") == 0,
                      "%s: build %d made the block calls\n%swhere\n%swas expected",
                      cases[_i].name, build, block_lines, build == 0 ? expected : "none\n");
        if (build == 0)
            ck_assert_msg(strstr(last_block, arena_printf("step %d: ", expansion)) == NULL,
                          "%s: a block call after the probe of step %d", cases[_i].name,
                          expansion);
        sums[build] = probes;
    }
    for (int build = 0; build < 2; build++)
        ck_assert_msg(strcmp(sums[build], sums[2]) == 0,
                      "%s: the probes of build %d differ:\n%s\nagainst\n%s", cases[_i].name, build,
                      sums[build], sums[2]);
    run_command(cases[_i].name, arena_printf("rm -r '%s'", dir));
}
END_TEST

static int case_index(const char *name)
{
    for (int i = 0; i < (int)CASE_COUNT; i++)
        if (strcmp(cases[i].name, name) == 0)
            return i;
    ck_abort_msg("no case %s", name);
    return -1;
}

static Suite *codegen_suite(void)
{
    Suite *s = suite_create("codegen");
    TCase *ops = tcase_create("ops");
    /*
     * Each case runs the C compiler with ASan and UBSan for three targets and a
     * threaded build. On a loaded machine the unrolled wide-block tiles take
     * 10 s or more per build.
     */
    tcase_set_timeout(ops, 180);
    tcase_add_loop_test(ops, generated_matches_reference, 0, CASE_COUNT);
    suite_add_tcase(s, ops);
    TCase *size = tcase_create("size");
    tcase_add_test(size, scalar_wide_code_size);
    tcase_add_test(size, gather_offsets_not_negative);
    int first = case_index("expand_blocks_residual");
    tcase_add_loop_test(size, expand_blocks_probe_whole_tensor, first, first + 5);
    suite_add_tcase(s, size);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(codegen_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
