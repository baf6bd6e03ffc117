/*
 * Check suite of ir/: shape inference rules, the cost model (params, MACs,
 * peak live activations) and the verifier, on graphs built from .nas text.
 *
 * Expected sizes come from PyTorch 1.13 (the call is named next to each
 * number) or from the formulas in docs/language.md.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "testutil.h"

#define assert_shape(s, C, H, W)         \
    do {                                 \
        ir_shape shape_ = (s);           \
        ck_assert_int_eq(shape_.c, (C)); \
        ck_assert_int_eq(shape_.h, (H)); \
        ck_assert_int_eq(shape_.w, (W)); \
    } while (0)

/* Builds `network n(input = INPUT) { return CALL as probe }` and returns probe's node. */
static const ir_node *probe(const char *input, const char *call)
{
    ir_graph *g = tu_build(arena_printf("network n(input = %s) {\n"
                                        "    return %s as probe\n"
                                        "}\n",
                                        input, call));
    return tu_node(g, "probe");
}

/* The output shape of `call` applied to an input of shape `input`. */
static ir_shape shape_of(const char *input, const char *call)
{
    return probe(input, call)->shape;
}

/* The errors of a network that returns `call` on an input of shape `input`. */
static const char *shape_error(const char *input, const char *call)
{
    return tu_errors(arena_printf("network n(input = %s) {\n"
                                  "    return %s\n"
                                  "}\n",
                                  input, call));
}

/* ---- conv ---- */

START_TEST(conv_output_size_stride_two_odd_input)
{
    ir_graph *g = tu_build("network n(input = [3, 7, 7]) {\n"
                           "    return conv(in, 8, k = 3, stride = 2, pad = 1) as c\n"
                           "}\n");
    const ir_node *c = tu_node(g, "c");
    ck_assert_int_eq(c->shape.c, 8);
    ck_assert_int_eq(c->shape.h, 4);
    ck_assert_int_eq(c->shape.w, 4);
}
END_TEST

START_TEST(conv_stride_two_odd)
{
    /* nn.Conv2d(3, 8, 3, stride=2)(torch.zeros(1, 3, 9, 9)).shape[1:] == (8, 4, 4) */
    assert_shape(shape_of("[3, 9, 9]", "conv(in, 8, k = 3, stride = 2)"), 8, 4, 4);
    /* nn.Conv2d(3, 8, 3, stride=2, padding=1)(torch.zeros(1, 3, 5, 6)) gives (8, 3, 3) */
    assert_shape(shape_of("[3, 5, 6]", "conv(in, 8, k = 3, stride = 2, pad = 1)"), 8, 3, 3);
}
END_TEST

START_TEST(conv_even_kernel)
{
    /* nn.Conv2d(3, 8, 4, padding=1) on 8x8 gives 7x7 */
    assert_shape(shape_of("[3, 8, 8]", "conv(in, 8, k = 4, pad = 1)"), 8, 7, 7);
    /* nn.Conv2d(3, 8, 2, stride=2) on 9x9 gives 4x4 */
    assert_shape(shape_of("[3, 9, 9]", "conv(in, 8, k = 2, stride = 2)"), 8, 4, 4);
    /* nn.Conv2d(3, 8, (2, 4), padding=(0, 1)) on 7x7 gives 6x6 */
    assert_shape(shape_of("[3, 7, 7]", "conv(in, 8, k = [2, 4], pad = [0, 1])"), 8, 6, 6);
}
END_TEST

START_TEST(conv_dilation_two)
{
    /* nn.Conv2d(3, 8, 3, dilation=2) on 8x8 gives 4x4 */
    assert_shape(shape_of("[3, 8, 8]", "conv(in, 8, k = 3, dilation = 2)"), 8, 4, 4);
}
END_TEST

START_TEST(conv_dilation_three)
{
    /* nn.Conv2d(3, 8, 3, dilation=3, padding=3) on 10x10 gives 10x10 */
    assert_shape(shape_of("[3, 10, 10]", "conv(in, 8, k = 3, dilation = 3, pad = 3)"), 8, 10, 10);
    /* nn.Conv2d(3, 8, 3, dilation=3, stride=2, padding=1) on 11x11 gives 4x4 */
    assert_shape(shape_of("[3, 11, 11]", "conv(in, 8, k = 3, dilation = 3, stride = 2, pad = 1)"),
                 8, 4, 4);
}
END_TEST

START_TEST(conv_groups_in_ne_out)
{
    /* nn.Conv2d(8, 12, 3, padding=1, groups=4): output (12, 6, 6), weight [12, 2, 3, 3] */
    const ir_node *c = probe("[8, 6, 6]", "conv(in, 12, k = 3, pad = 1, groups = 4)");
    assert_shape(c->shape, 12, 6, 6);
    ck_assert_int_eq(c->attr.conv.groups, 4);
}
END_TEST

START_TEST(conv_depthwise_multiplier)
{
    /* nn.Conv2d(8, 16, 3, padding=1, groups=8): output (16, 6, 6), weight [16, 1, 3, 3] */
    ir_graph *g = tu_build("network n(input = [8, 6, 6]) {\n"
                           "    return conv(in, 16, k = 3, pad = 1, groups = 8) as dw\n"
                           "}\n");
    assert_shape(tu_node(g, "dw")->shape, 16, 6, 6);
    ir_tensor t[2];
    int n = ir_node_tensors(g, 1, t, 2);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(t[0].dims[0], 16);
    ck_assert_int_eq(t[0].dims[1], 1);
}
END_TEST

START_TEST(conv_kernel_equals_padded)
{
    /* nn.Conv2d(3, 8, 7, padding=1) on 5x5 gives 1x1 */
    assert_shape(shape_of("[3, 5, 5]", "conv(in, 8, k = 7, pad = 1)"), 8, 1, 1);
    /* nn.Conv2d(3, 8, (6, 3), padding=(1, 0)) on 4x6 gives 1x4 */
    assert_shape(shape_of("[3, 4, 6]", "conv(in, 8, k = [6, 3], pad = [1, 0])"), 8, 1, 4);
}
END_TEST

START_TEST(conv_kernel_too_large)
{
    /* PyTorch: "Kernel size can't be greater than actual input size" (7x7 padded, kernel 8). */
    const char *e = shape_error("[3, 5, 5]", "conv(in, 8, k = 8, pad = 1)");
    ck_assert(tu_contains(e, "kernel 8x8 is larger than the padded input 7x7"));
    /* A dilated 3x3 kernel spans 7 cells, more than 5. */
    const char *d = shape_error("[3, 5, 5]", "conv(in, 8, k = 3, dilation = 3)");
    ck_assert(tu_contains(d, "kernel 3x3 with dilation 3x3 (spans 7x7) is larger than the "
                             "padded input 5x5"));
}
END_TEST

START_TEST(conv_one_by_one_input)
{
    /* On 1x1, nn.Conv2d(16, 4, 1), nn.Conv2d(16, 4, 3, padding=1) and with stride=2 give 1x1 */
    assert_shape(shape_of("[16, 1, 1]", "conv(in, 4, k = 1)"), 4, 1, 1);
    assert_shape(shape_of("[16, 1, 1]", "conv(in, 4, k = 3, pad = 1)"), 4, 1, 1);
    assert_shape(shape_of("[16, 1, 1]", "conv(in, 4, k = 3, pad = 1, stride = 2)"), 4, 1, 1);
}
END_TEST

START_TEST(conv_groups_must_divide)
{
    const char *in = shape_error("[6, 4, 4]", "conv(in, 8, k = 1, groups = 4)");
    ck_assert(tu_contains(in, "groups 4 does not divide the input channels 6"));
    const char *out = shape_error("[8, 4, 4]", "conv(in, 6, k = 1, groups = 4)");
    ck_assert(tu_contains(out, "groups 4 does not divide the output channels 6"));
}
END_TEST

/* ---- pooling ---- */

START_TEST(pool_resnet_stem)
{
    /* nn.MaxPool2d(3, stride=2, padding=1) on 112x112 gives 56x56 */
    assert_shape(shape_of("[24, 112, 112]", "maxpool(in, 3, stride = 2, pad = 1)"), 24, 56, 56);
}
END_TEST

START_TEST(pool_ceil_mode)
{
    /* nn.MaxPool2d(3, stride=2, ceil_mode=False / True) on 6x6 gives 2x2 / 3x3 */
    assert_shape(shape_of("[2, 6, 6]", "maxpool(in, 3, stride = 2)"), 2, 2, 2);
    assert_shape(shape_of("[2, 6, 6]", "maxpool(in, 3, stride = 2, ceil_mode = true)"), 2, 3, 3);
    /* On 7x7 both give 3x3. */
    assert_shape(shape_of("[2, 7, 7]", "maxpool(in, 3, stride = 2)"), 2, 3, 3);
    assert_shape(shape_of("[2, 7, 7]", "maxpool(in, 3, stride = 2, ceil_mode = true)"), 2, 3, 3);
    /* nn.AvgPool2d(3, 2, padding=1, ceil_mode=False / True) on 14x14 gives 7x7 / 8x8 */
    assert_shape(shape_of("[2, 14, 14]", "avgpool(in, 3, stride = 2, pad = 1)"), 2, 7, 7);
    assert_shape(shape_of("[2, 14, 14]", "avgpool(in, 3, stride = 2, pad = 1, ceil_mode = true)"),
                 2, 8, 8);
    /* nn.MaxPool2d(3, 2, padding=1, ceil_mode=False / True) on 2x2 gives 1x1 / 2x2 */
    assert_shape(shape_of("[2, 2, 2]", "maxpool(in, 3, stride = 2, pad = 1)"), 2, 1, 1);
    assert_shape(shape_of("[2, 2, 2]", "maxpool(in, 3, stride = 2, pad = 1, ceil_mode = true)"),
                 2, 2, 2);
}
END_TEST

START_TEST(pool_ceil_window_in_padding)
{
    /*
     * With ceil_mode the rounded-up formula gives one more window, but it
     * would start in the right padding, so PyTorch drops it:
     * nn.MaxPool2d(2, 2, padding=1, ceil_mode=True) on 5x5 gives 3x3, not 4x4.
     */
    assert_shape(shape_of("[2, 5, 5]", "maxpool(in, 2, stride = 2, pad = 1, ceil_mode = true)"),
                 2, 3, 3);
    /* nn.AvgPool2d(2, 2, padding=1, ceil_mode=True) on 5x5 gives 3x3 and on 7x7 gives 4x4 */
    assert_shape(shape_of("[2, 5, 5]", "avgpool(in, 2, stride = 2, pad = 1, ceil_mode = true)"),
                 2, 3, 3);
    assert_shape(shape_of("[2, 7, 7]", "avgpool(in, 2, stride = 2, pad = 1, ceil_mode = true)"),
                 2, 4, 4);
    /* nn.MaxPool2d((3, 2), (2, 3), padding=(1, 1), ceil_mode=True) on 8x5 gives 5x2 */
    assert_shape(shape_of("[2, 8, 5]", "maxpool(in, [3, 2], stride = [2, 3], pad = [1, 1], "
                                       "ceil_mode = true)"),
                 2, 5, 2);
    /* nn.MaxPool2d(1, 2, ceil_mode=True) on 2x2 gives 1x1: the second window starts past the input. */
    assert_shape(shape_of("[2, 2, 2]", "maxpool(in, 1, stride = 2, ceil_mode = true)"), 2, 1, 1);
}
END_TEST

START_TEST(pool_ceil_window_past_input)
{
    /*
     * With ceil_mode a window may reach past the padded input:
     * nn.MaxPool2d(3, 2, ceil_mode=True) on 2x2 gives 1x1 (GoogLeNet's pool on
     * a small map), and nn.AvgPool2d(5, 3, ceil_mode=True) on 4x4 gives 1x1.
     */
    assert_shape(shape_of("[8, 2, 2]", "maxpool(in, 3, stride = 2, ceil_mode = true)"), 8, 1, 1);
    assert_shape(shape_of("[8, 4, 4]", "avgpool(in, 5, stride = 3, ceil_mode = true)"), 8, 1, 1);
}
END_TEST

START_TEST(pool_default_stride)
{
    /* The stride defaults to the kernel: nn.MaxPool2d(2) on 7x7 gives 3x3, 4x4 with ceil_mode. */
    assert_shape(shape_of("[2, 7, 7]", "maxpool(in, 2)"), 2, 3, 3);
    assert_shape(shape_of("[2, 7, 7]", "maxpool(in, 2, ceil_mode = true)"), 2, 4, 4);
    /* nn.AvgPool2d(2) on 7x7: the same. */
    assert_shape(shape_of("[2, 7, 7]", "avgpool(in, 2)"), 2, 3, 3);
    assert_shape(shape_of("[2, 7, 7]", "avgpool(in, 2, ceil_mode = true)"), 2, 4, 4);
}
END_TEST

START_TEST(pool_max_dilation)
{
    /* nn.MaxPool2d(3, dilation=2) on 10x10 (stride 3) gives 2x2 */
    assert_shape(shape_of("[2, 10, 10]", "maxpool(in, 3, dilation = 2)"), 2, 2, 2);
    /* nn.MaxPool2d(3, 2, dilation=2, ceil_mode=False / True) on 10x10 gives 3x3 / 4x4 */
    assert_shape(shape_of("[2, 10, 10]", "maxpool(in, 3, stride = 2, dilation = 2)"), 2, 3, 3);
    assert_shape(shape_of("[2, 10, 10]", "maxpool(in, 3, stride = 2, dilation = 2, "
                                         "ceil_mode = true)"),
                 2, 4, 4);
}
END_TEST

START_TEST(pool_count_include_pad)
{
    /* count_include_pad changes the divisor, never the size (nn.AvgPool2d gives 8x8 both ways). */
    const ir_node *p = probe("[2, 14, 14]", "avgpool(in, 3, stride = 2, pad = 1, ceil_mode = true, "
                                            "count_include_pad = false)");
    assert_shape(p->shape, 2, 8, 8);
    ck_assert(!p->attr.pool.count_include_pad);
    ck_assert(p->attr.pool.ceil_mode);
}
END_TEST

START_TEST(pool_pad_over_half)
{
    /* PyTorch: "pad should be at most half of kernel size, but got pad=2 and kernel_size=2" */
    const char *e = shape_error("[2, 4, 4]", "maxpool(in, 2, pad = 2)");
    ck_assert(tu_contains(e, "padding 2x2 is more than half the kernel 2x2"));
}
END_TEST

/* ---- other ops ---- */

START_TEST(op_shape_kept)
{
    const char *calls[] = {"relu(in)", "relu6(in)", "hardswish(in)", "hardsigmoid(in)",
                           "sigmoid(in)", "bn(in)", "dropout(in, p = 0.1)", "identity(in)",
                           "shuffle(in, 3)", "zero(in)"};
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        assert_shape(shape_of("[6, 5, 7]", calls[i]), 6, 5, 7);
}
END_TEST

START_TEST(op_global_avgpool)
{
    assert_shape(shape_of("[5, 7, 9]", "global_avgpool(in)"), 5, 1, 1);
}
END_TEST

START_TEST(op_flatten)
{
    assert_shape(shape_of("[4, 3, 5]", "flatten(in)"), 60, 1, 1);
    assert_shape(shape_of("[4, 1, 1]", "flatten(in)"), 4, 1, 1);
}
END_TEST

START_TEST(op_linear_flat)
{
    assert_shape(shape_of("[4, 3, 5]", "linear(flatten(in), 10)"), 10, 1, 1);
    assert_shape(shape_of("[4, 3, 5]", "linear(global_avgpool(in), 7)"), 7, 1, 1);
    const char *e = shape_error("[4, 3, 5]", "linear(in, 10)");
    ck_assert(tu_contains(e, "input 4x3x5 is not flat; linear needs Nx1x1"));
}
END_TEST

START_TEST(op_concat)
{
    ir_graph *g = tu_build("network n(input = [3, 6, 6]) {\n"
                           "    a = conv(in, 5, k = 1)\n"
                           "    b = conv(in, 8, k = 1)\n"
                           "    x = concat(in, a, b) as x\n"
                           "    return concat([x, a]) as y\n"
                           "}\n");
    assert_shape(tu_node(g, "x")->shape, 16, 6, 6);
    ck_assert_int_eq(tu_node(g, "x")->ninputs, 3);
    assert_shape(tu_node(g, "y")->shape, 21, 6, 6);

    const char *e = tu_errors("network n(input = [3, 6, 6]) {\n"
                              "    a = conv(in, 5, k = 3)\n"
                              "    return concat(in, a)\n"
                              "}\n");
    ck_assert(tu_contains(e, "inputs of shapes 3x6x6 (the first) and 5x4x4 (number 2) differ"));
}
END_TEST

START_TEST(op_split)
{
    /* torch.zeros(1, 6, 4, 4).chunk(2, dim=1) gives two 3x4x4 parts. */
    ir_graph *g = tu_build("network n(input = [6, 4, 4]) {\n"
                           "    a, b = split(in, 2) as s\n"
                           "    c, d, e = split(in, [1, 2, 3]) as t\n"
                           "    return b, e\n"
                           "}\n");
    assert_shape(tu_node(g, "s.0")->shape, 3, 4, 4);
    assert_shape(tu_node(g, "s.1")->shape, 3, 4, 4);
    ck_assert_int_eq(tu_node(g, "s.1")->attr.split.start, 3);
    assert_shape(tu_node(g, "t.2")->shape, 3, 4, 4);
    ck_assert_int_eq(tu_node(g, "t.2")->attr.split.start, 3);
    ck_assert_int_eq(tu_node(g, "t.1")->attr.split.start, 1);

    const char *parts = shape_error("[6, 4, 4]", "split(in, 4)[0]");
    ck_assert(tu_contains(parts, "4 parts do not divide the 6 channels"));
    const char *sizes = shape_error("[6, 4, 4]", "split(in, [2, 2])[0]");
    ck_assert(tu_contains(sizes, "sizes add up to 4 but the input has 6 channels"));
}
END_TEST

START_TEST(op_shuffle)
{
    const ir_node *s = probe("[12, 3, 3]", "shuffle(in, 4)");
    assert_shape(s->shape, 12, 3, 3);
    ck_assert_int_eq(s->attr.shuffle.groups, 4);
    const char *e = shape_error("[6, 3, 3]", "shuffle(in, 4)");
    ck_assert(tu_contains(e, "groups 4 does not divide the channels 6"));
}
END_TEST

START_TEST(op_zero_stride)
{
    /* ceil(H / stride): 7 / 2 -> 4, 8 / 3 -> 3, 1 / 2 -> 1 */
    assert_shape(shape_of("[4, 7, 7]", "zero(in, stride = 2)"), 4, 4, 4);
    assert_shape(shape_of("[4, 8, 5]", "zero(in, stride = 3)"), 4, 3, 2);
    assert_shape(shape_of("[4, 1, 1]", "zero(in, stride = 2)"), 4, 1, 1);
    assert_shape(shape_of("[4, 7, 7]", "zero(in, stride = 1)"), 4, 7, 7);
}
END_TEST

START_TEST(op_add_mul)
{
    /* `as` binds tighter than `+`, so the sums are in parentheses. */
    assert_shape(shape_of("[6, 5, 5]", "(in + relu(in))"), 6, 5, 5);
    ck_assert_int_eq(probe("[6, 5, 5]", "(in + relu(in))")->op, IR_ADD);
    /* Squeeze-and-excitation: a 6x1x1 scale per channel. */
    const ir_node *scaled = probe("[6, 5, 5]", "(in * sigmoid(global_avgpool(in)))");
    assert_shape(scaled->shape, 6, 5, 5);
    ck_assert_int_eq(scaled->op, IR_MUL);
    const char *add = shape_error("[6, 5, 5]", "in + global_avgpool(in)");
    ck_assert(tu_contains(add, "shapes 6x5x5 and 6x1x1 differ"));
    const char *mul = shape_error("[6, 5, 5]", "in * conv(global_avgpool(in), 3, k = 1)");
    ck_assert(tu_contains(mul, "shapes 6x5x5 and 3x1x1 do not match"));
}
END_TEST

START_TEST(op_add_node_rejects)
{
    /* ir_add_node adds nothing when the shape rule fails. */
    ir_graph *g = ir_graph_new("g", (ir_shape){3, 6, 6});
    int input = 0;
    ir_node proto = {0};
    proto.op = IR_MAXPOOL;
    proto.name = "pool";
    proto.inputs = &input;
    proto.ninputs = 1;
    proto.attr.pool.win = (ir_window){7, 7, 1, 1, 0, 0, 1, 1};
    const char *error = NULL;
    ck_assert_int_eq(ir_add_node(g, &proto, &error), -1);
    ck_assert_ptr_nonnull(error);
    ck_assert(tu_contains(error, "maxpool: kernel 7x7 is larger than the padded input 6x6"));
    ck_assert_int_eq(g->nnodes, 1);

    proto.attr.pool.win = (ir_window){3, 3, 3, 3, 0, 0, 1, 1};
    ck_assert_int_eq(ir_add_node(g, &proto, &error), 1);
    ck_assert_ptr_null(error);
    assert_shape(g->nodes[1].shape, 3, 2, 2);
}
END_TEST

/* ---- cost model ---- */

START_TEST(cost_params_and_macs_of_conv)
{
    ir_graph *g = tu_build("network n(input = [8, 32, 32]) {\n"
                           "    return conv(in, 16, k = 3, pad = 1, groups = 4) as c\n"
                           "}\n");
    ir_cost cost = ir_graph_cost(g);
    ck_assert_int_eq(cost.params, 16 * 2 * 9 + 16);
    ck_assert_int_eq(cost.macs, 16 * 32 * 32 * 2 * 9);
}
END_TEST

START_TEST(cost_conv_bias)
{
    /* nn.Conv2d(3, 8, 3) has 224 parameters, 216 without bias. */
    ir_graph *g = tu_build("network n(input = [3, 8, 8]) {\n"
                           "    a = conv(in, 8, k = 3, pad = 1) as a\n"
                           "    return conv(in, 8, k = 3, pad = 1, bias = false) as b\n"
                           "}\n");
    const ir_node *a = tu_node(g, "a");
    const ir_node *b = tu_node(g, "b");
    ck_assert_int_eq(ir_node_params(g, a), 224);
    ck_assert_int_eq(ir_node_params(g, b), 216);
    /* MACs are output elements x in_channels x kh x kw, and the bias adds none. */
    ck_assert_int_eq(ir_node_macs(g, a), 8 * 8 * 8 * 3 * 9);
    ck_assert_int_eq(ir_node_macs(g, b), 8 * 8 * 8 * 3 * 9);
}
END_TEST

START_TEST(cost_conv_grouped)
{
    /* nn.Conv2d(8, 16, 3, groups=8, bias=False) has 144 parameters. */
    ir_graph *g = tu_build("network n(input = [8, 6, 6]) {\n"
                           "    a = conv(in, 16, k = 3, pad = 1, groups = 8, bias = false) as dw\n"
                           "    return conv(in, 12, k = 3, stride = 2, groups = 4) as g\n"
                           "}\n");
    const ir_node *dw = tu_node(g, "dw");
    ck_assert_int_eq(ir_node_params(g, dw), 144);
    ck_assert_int_eq(ir_node_macs(g, dw), 16 * 6 * 6 * 1 * 9);
    /* nn.Conv2d(8, 12, 3, stride=2, groups=4): 228 parameters, output 12x2x2 */
    const ir_node *grouped = tu_node(g, "g");
    ck_assert_int_eq(ir_node_params(g, grouped), 228);
    ck_assert_int_eq(ir_node_macs(g, grouped), 12 * 2 * 2 * 2 * 9);
}
END_TEST

START_TEST(cost_linear)
{
    /* nn.Linear(16, 10) has 170 parameters, 160 without bias. MACs are in x out. */
    ir_graph *g = tu_build("network n(input = [4, 2, 2]) {\n"
                           "    x = flatten(in)\n"
                           "    a = linear(x, 10) as a\n"
                           "    return linear(x, 10, bias = false) as b\n"
                           "}\n");
    ck_assert_int_eq(ir_node_params(g, tu_node(g, "a")), 170);
    ck_assert_int_eq(ir_node_params(g, tu_node(g, "b")), 160);
    ck_assert_int_eq(ir_node_macs(g, tu_node(g, "a")), 160);
    ck_assert_int_eq(ir_node_macs(g, tu_node(g, "b")), 160);
}
END_TEST

START_TEST(cost_bn)
{
    /* nn.BatchNorm2d(6) has 12 parameters, because the running statistics are buffers. */
    ir_graph *g = tu_build("network n(input = [6, 4, 4]) { return bn(in) as b }\n");
    ck_assert_int_eq(ir_node_params(g, tu_node(g, "b")), 12);
    ck_assert_int_eq(ir_node_macs(g, tu_node(g, "b")), 0);
}
END_TEST

START_TEST(cost_other_ops_zero)
{
    ir_graph *g = tu_build("network n(input = [6, 8, 8]) {\n"
                           "    x = relu(in) | relu6 | hardswish | hardsigmoid | sigmoid\n"
                           "    x = dropout(x) | identity\n"
                           "    x = maxpool(x, 2) | avgpool(2, ceil_mode = true)\n"
                           "    x = x + x\n"
                           "    x = x * global_avgpool(x)\n"
                           "    a, b = split(x, 2)\n"
                           "    x = concat(b, a) | shuffle(3) | zero(stride = 2)\n"
                           "    return flatten(x)\n"
                           "}\n");
    ck_assert_int_eq(g->nnodes, 19);
    for (int i = 0; i < g->nnodes; i++) {
        ck_assert_msg(ir_node_params(g, &g->nodes[i]) == 0, "%s has parameters",
                      g->nodes[i].name);
        ck_assert_msg(ir_node_macs(g, &g->nodes[i]) == 0, "%s has MACs", g->nodes[i].name);
    }
    ir_cost cost = ir_graph_cost(g);
    ck_assert_int_eq(cost.params, 0);
    ck_assert_int_eq(cost.macs, 0);
}
END_TEST

START_TEST(cost_graph_totals)
{
    /*
     * examples/primitives.nas: nn.Linear(8, 16), nn.Conv2d(8, 16, 3), depthwise
     * nn.Conv2d(8, 8, 3, groups=8), nn.Conv2d(8, 16, 3, groups=4) and
     * nn.Conv2d(8, 16, 1) have 144 + 1168 + 80 + 304 + 144 = 1840 parameters.
     */
    ir_graph *g = tu_build("network primitives(input = [8, 32, 32]) {\n"
                           "    pooled = flatten(global_avgpool(in))\n"
                           "    fc = linear(pooled, 16) as linear\n"
                           "    normal = conv(in, 16, k = 3, pad = 1) as normal\n"
                           "    depthwise = conv(in, 8, k = 3, pad = 1, groups = 8) as depthwise\n"
                           "    grouped = conv(in, 16, k = 3, pad = 1, groups = 4) as grouped\n"
                           "    pointwise = conv(in, 16, k = 1) as pointwise\n"
                           "    return fc, normal, depthwise, grouped, pointwise\n"
                           "}\n");
    ir_cost cost = ir_graph_cost(g);
    ck_assert_int_eq(cost.params, 1840);
    int64_t plane = 32 * 32;
    ck_assert_int_eq(cost.macs, 8 * 16 + plane * 16 * 8 * 9 + plane * 8 * 1 * 9 +
                                    plane * 16 * 2 * 9 + plane * 16 * 8);
}
END_TEST

START_TEST(cost_activation_bytes)
{
    /* 2x4x4 + 8x4x4 + 1x4x4 floats of 4 bytes, the input included. */
    ir_graph *g = tu_build("network n(input = [2, 4, 4]) {\n"
                           "    return conv(in, 8, k = 1) | conv(1, k = 1)\n"
                           "}\n");
    ck_assert_int_eq(ir_graph_cost(g).activation_bytes, (32 + 128 + 16) * 4);
}
END_TEST

/* ---- parameter tensors ---- */

START_TEST(tensors_conv)
{
    ir_graph *g = tu_build("network n(input = [8, 6, 6]) {\n"
                           "    a = conv(in, 12, k = [3, 5], pad = [1, 2], groups = 4) as c\n"
                           "    return conv(a, 4, k = 1, bias = false) as d\n"
                           "}\n");
    ir_tensor t[5];
    int n = ir_node_tensors(g, 1, t, 5);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(t[0].name, "c.weight");
    ck_assert_int_eq(t[0].rank, 4);
    ck_assert_int_eq(t[0].dims[0], 12);
    ck_assert_int_eq(t[0].dims[1], 2);
    ck_assert_int_eq(t[0].dims[2], 3);
    ck_assert_int_eq(t[0].dims[3], 5);
    ck_assert(!t[0].is_buffer);
    ck_assert_int_eq(t[0].node, 1);
    ck_assert_str_eq(t[1].name, "c.bias");
    ck_assert_int_eq(t[1].rank, 1);
    ck_assert_int_eq(t[1].dims[0], 12);

    ck_assert_int_eq(ir_node_tensors(g, 2, t, 5), 1);
    ck_assert_str_eq(t[0].name, "d.weight");
}
END_TEST

START_TEST(tensors_bn)
{
    /* nn.BatchNorm2d(6).state_dict(): weight, bias, running_mean, running_var [6], num_batches_tracked [] */
    ir_graph *g = tu_build("network n(input = [6, 4, 4]) { return bn(in) as norm }\n");
    ir_tensor t[5];
    ck_assert_int_eq(ir_node_tensors(g, 1, t, 5), 5);
    const char *names[] = {"norm.weight", "norm.bias", "norm.running_mean", "norm.running_var",
                           "norm.num_batches_tracked"};
    const bool buffers[] = {false, false, true, true, true};
    for (int i = 0; i < 5; i++) {
        ck_assert_str_eq(t[i].name, names[i]);
        ck_assert_int_eq(t[i].is_buffer, buffers[i]);
    }
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(t[i].rank, 1);
        ck_assert_int_eq(t[i].dims[0], 6);
    }
    ck_assert_int_eq(t[4].rank, 0);
}
END_TEST

START_TEST(tensors_linear)
{
    ir_graph *g = tu_build("network n(input = [16, 1, 1]) { return linear(in, 10) as fc }\n");
    ir_tensor t[5];
    ck_assert_int_eq(ir_node_tensors(g, 1, t, 5), 2);
    ck_assert_str_eq(t[0].name, "fc.weight");
    ck_assert_int_eq(t[0].rank, 2);
    ck_assert_int_eq(t[0].dims[0], 10);
    ck_assert_int_eq(t[0].dims[1], 16);
    ck_assert_str_eq(t[1].name, "fc.bias");
    ck_assert_int_eq(t[1].dims[0], 10);
}
END_TEST

START_TEST(tensors_none)
{
    ir_graph *g = tu_build("network n(input = [6, 4, 4]) {\n"
                           "    return relu(in) | maxpool(2) | flatten\n"
                           "}\n");
    ir_tensor t[5];
    for (int i = 0; i < g->nnodes; i++)
        ck_assert_int_eq(ir_node_tensors(g, i, t, 5), 0);
}
END_TEST

START_TEST(tensors_scoped_names)
{
    ir_graph *g = tu_build("block basic() {\n"
                           "    return in | conv(in.c, k = 1, bias = false) as conv1 | bn as bn1\n"
                           "}\n"
                           "network n(input = [4, 4, 4]) {\n"
                           "    return in | seq as layer1 { basic\n basic }\n"
                           "}\n");
    int conv = (int)(tu_node(g, "layer1.1.conv1") - g->nodes);
    int norm = (int)(tu_node(g, "layer1.1.bn1") - g->nodes);
    ir_tensor t[5];
    ck_assert_int_eq(ir_node_tensors(g, conv, t, 5), 1);
    ck_assert_str_eq(t[0].name, "layer1.1.conv1.weight");
    ck_assert_int_eq(ir_node_tensors(g, norm, t, 5), 5);
    ck_assert_str_eq(t[2].name, "layer1.1.bn1.running_mean");
}
END_TEST

/* ---- peak live activations ---- */

START_TEST(peak_chain)
{
    /*
     * 2x4x4 (128 B) -> 8x4x4 (512 B) -> 1x4x4 (64 B). The first conv needs
     * its input and output at once: 128 + 512 = 640. The second: 512 + 64.
     */
    ir_graph *g = tu_build("network n(input = [2, 4, 4]) {\n"
                           "    return conv(in, 8, k = 1) | conv(1, k = 1)\n"
                           "}\n");
    ck_assert_int_eq(ir_graph_cost(g).peak_activation_bytes, 640);
}
END_TEST

START_TEST(peak_residual)
{
    /*
     * All tensors 4x4x4 (256 B). x stays live until the add, so the second
     * conv runs with x, a and b live: 768 B (a chain would need 512).
     */
    ir_graph *g = tu_build("network n(input = [4, 4, 4]) {\n"
                           "    a = conv(in, 4, k = 1)\n"
                           "    b = conv(a, 4, k = 1)\n"
                           "    return b + in\n"
                           "}\n");
    ck_assert_int_eq(ir_graph_cost(g).peak_activation_bytes, 768);
}
END_TEST

START_TEST(peak_alias_flatten)
{
    /* flatten shares the input's 256 B, and linear adds 8 values: 256 + 32 = 288. */
    ir_graph *g = tu_build("network n(input = [4, 4, 4]) {\n"
                           "    return flatten(in) | linear(8)\n"
                           "}\n");
    ck_assert_int_eq(ir_graph_cost(g).peak_activation_bytes, 288);
}
END_TEST

START_TEST(peak_alias_identity)
{
    /* identity and dropout share the input's 256 B, and relu adds 256. */
    ir_graph *g = tu_build("network n(input = [4, 4, 4]) {\n"
                           "    return identity(in) | dropout | relu\n"
                           "}\n");
    ck_assert_int_eq(ir_graph_cost(g).peak_activation_bytes, 512);
}
END_TEST

START_TEST(peak_several_outputs)
{
    /*
     * in 1x4x4 (64 B), a 4x4x4 (256 B), b 1x4x4 (64 B), c 16x4x4 (1024 B).
     * a is an output, so it stays live while c is written: 256 + 64 + 1024.
     */
    ir_graph *g = tu_build("network n(input = [1, 4, 4]) {\n"
                           "    a = conv(in, 4, k = 1)\n"
                           "    b = conv(a, 1, k = 1)\n"
                           "    c = conv(b, 16, k = 1)\n"
                           "    return a, c\n"
                           "}\n");
    ck_assert_int_eq(ir_graph_cost(g).peak_activation_bytes, 1344);
}
END_TEST

START_TEST(peak_alias_output)
{
    /*
     * The output flatten(a) shares a's 256 B, which must stay live to the
     * end: relu(b) runs with a, b and its output live, 256 + 1024 + 1024.
     */
    ir_graph *g = tu_build("network n(input = [1, 4, 4]) {\n"
                           "    a = conv(in, 4, k = 1)\n"
                           "    f = flatten(a)\n"
                           "    b = conv(a, 16, k = 1)\n"
                           "    return f, relu(b)\n"
                           "}\n");
    ck_assert_int_eq(ir_graph_cost(g).peak_activation_bytes, 2304);
}
END_TEST

START_TEST(peak_input_only)
{
    ir_graph *g = tu_build("network n(input = [4, 4, 4]) { return flatten(in) }\n");
    ck_assert_int_eq(ir_graph_cost(g).peak_activation_bytes, 256);
}
END_TEST

/* ---- verifier ---- */

static ir_graph *two_convs(void)
{
    return tu_build("network n(input = [3, 8, 8]) {\n"
                    "    a = conv(in, 8, k = 3, pad = 1) as a\n"
                    "    b = conv(a, 8, k = 3, pad = 1) as b\n"
                    "    return relu(b) as r\n"
                    "}\n");
}

START_TEST(verify_good_graphs)
{
    ck_assert_ptr_null(ir_verify(two_convs()));
    ir_graph *g = tu_build("network n(input = [6, 8, 8]) {\n"
                           "    a, b = split(in, 2)\n"
                           "    x = concat(b, a) | shuffle(2)\n"
                           "    return x + in, flatten(x)\n"
                           "}\n");
    ck_assert_ptr_null(ir_verify(g));
}
END_TEST

START_TEST(verify_bad_shape)
{
    ir_graph *g = two_convs();
    g->nodes[1].shape.c = 99;
    const char *e = ir_verify(g);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e, "node 1 (a) records shape 99x8x8 but its inputs give 8x8x8");
}
END_TEST

START_TEST(verify_bad_input_index)
{
    ir_graph *g = two_convs();
    g->nodes[2].inputs[0] = 2;
    const char *self = ir_verify(g);
    ck_assert_ptr_nonnull(self);
    ck_assert(tu_contains(self, "node 2 (b) reads node 2, which does not come before it"));

    g->nodes[2].inputs[0] = 3;
    ck_assert_ptr_nonnull(ir_verify(g));

    g->nodes[2].inputs[0] = -1;
    const char *negative = ir_verify(g);
    ck_assert_ptr_nonnull(negative);
    ck_assert(tu_contains(negative, "reads node -1"));
}
END_TEST

START_TEST(verify_bad_attribute)
{
    ir_graph *g = two_convs();
    g->nodes[2].attr.conv.groups = 3;
    const char *e = ir_verify(g);
    ck_assert_ptr_nonnull(e);
    ck_assert(tu_contains(e, "node 2 (b): conv: groups 3 does not divide the input channels 8"));
}
END_TEST

START_TEST(verify_shared_name)
{
    ir_graph *g = two_convs();
    g->nodes[2].name = "a";
    const char *e = ir_verify(g);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e, "two layers with parameters are both named 'a'");
}
END_TEST

START_TEST(verify_shared_name_free)
{
    /* Layers without parameters may share a name. */
    ir_graph *g = two_convs();
    g->nodes[3].name = "a";
    ck_assert_ptr_null(ir_verify(g));
}
END_TEST

START_TEST(verify_outputs)
{
    ir_graph *g = two_convs();
    g->outputs[0] = 99;
    const char *e = ir_verify(g);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e, "output 0 refers to node 99, which does not exist");

    g->noutputs = 0;
    const char *none = ir_verify(g);
    ck_assert_ptr_nonnull(none);
    ck_assert_str_eq(none, "the graph has no output");
}
END_TEST

START_TEST(verify_input_node)
{
    ir_graph *g = two_convs();
    g->nodes[3].op = IR_INPUT;
    const char *e = ir_verify(g);
    ck_assert_ptr_nonnull(e);
    ck_assert(tu_contains(e, "the input op must be node 0 and only node 0"));
}
END_TEST

START_TEST(json_ids_and_exact_integers)
{
    /* Two unnamed relus share no name, so edges are given by id. */
    ir_graph *g = tu_build("network n(input = [3, 8, 8]) {\n"
                           "    a = relu(in) as r\n"
                           "    b = relu(in) as r\n"
                           "    return a + b\n"
                           "}\n");
    char *text = ir_info_json(g);
    cJSON *root = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(root);
    cJSON *layers = cJSON_GetObjectItem(root, "layers");
    cJSON *add = cJSON_GetArrayItem(layers, 2);
    ck_assert_str_eq(cJSON_GetObjectItem(add, "op")->valuestring, "add");
    ck_assert_int_eq(cJSON_GetObjectItem(add, "id")->valueint, 3);
    cJSON *ids = cJSON_GetObjectItem(add, "input_ids");
    ck_assert_int_eq(cJSON_GetArraySize(ids), 2);
    ck_assert_int_eq(cJSON_GetArrayItem(ids, 0)->valueint, 1);
    ck_assert_int_eq(cJSON_GetArrayItem(ids, 1)->valueint, 2);
    ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "outputs"), 0),
                                         "id")->valueint, 3);
    ck_assert_ptr_null(cJSON_GetObjectItem(root, "saturated"));
    cJSON_Delete(root);
}
END_TEST

START_TEST(json_params_exact)
{
    /*
     * 225 convs of 15001 x 141 x 141 x 15001 x 9 MACs each make
     * 9,059,488,436,009,025, above 2^53, where a double would round it.
     */
    ir_graph *g = tu_build("network n(input = [15001, 141, 141]) {\n"
                           "    x = in\n"
                           "    repeat 225 { x = conv(x, 15001, k = 3, pad = 1, bias = false) }\n"
                           "    return x\n"
                           "}\n");
    char *text = ir_info_json(g);
    ck_assert(tu_contains(text, "\"macs\":9059488436009025,"));
    free(text);
}
END_TEST

static Suite *ir_suite(void)
{
    Suite *s = suite_create("ir");

    TCase *shapes = tcase_create("shapes");
    tcase_add_test(shapes, conv_output_size_stride_two_odd_input);
    tcase_add_test(shapes, conv_stride_two_odd);
    tcase_add_test(shapes, conv_even_kernel);
    tcase_add_test(shapes, conv_dilation_two);
    tcase_add_test(shapes, conv_dilation_three);
    tcase_add_test(shapes, conv_groups_in_ne_out);
    tcase_add_test(shapes, conv_depthwise_multiplier);
    tcase_add_test(shapes, conv_kernel_equals_padded);
    tcase_add_test(shapes, conv_kernel_too_large);
    tcase_add_test(shapes, conv_one_by_one_input);
    tcase_add_test(shapes, conv_groups_must_divide);
    suite_add_tcase(s, shapes);

    TCase *pool = tcase_create("pooling");
    tcase_add_test(pool, pool_resnet_stem);
    tcase_add_test(pool, pool_ceil_mode);
    tcase_add_test(pool, pool_ceil_window_in_padding);
    tcase_add_test(pool, pool_ceil_window_past_input);
    tcase_add_test(pool, pool_default_stride);
    tcase_add_test(pool, pool_max_dilation);
    tcase_add_test(pool, pool_count_include_pad);
    tcase_add_test(pool, pool_pad_over_half);
    suite_add_tcase(s, pool);

    TCase *ops = tcase_create("ops");
    tcase_add_test(ops, op_shape_kept);
    tcase_add_test(ops, op_global_avgpool);
    tcase_add_test(ops, op_flatten);
    tcase_add_test(ops, op_linear_flat);
    tcase_add_test(ops, op_concat);
    tcase_add_test(ops, op_split);
    tcase_add_test(ops, op_shuffle);
    tcase_add_test(ops, op_zero_stride);
    tcase_add_test(ops, op_add_mul);
    tcase_add_test(ops, op_add_node_rejects);
    suite_add_tcase(s, ops);

    TCase *json = tcase_create("json");
    tcase_add_test(json, json_ids_and_exact_integers);
    tcase_add_test(json, json_params_exact);
    suite_add_tcase(s, json);

    TCase *cost = tcase_create("cost");
    tcase_add_test(cost, cost_params_and_macs_of_conv);
    tcase_add_test(cost, cost_conv_bias);
    tcase_add_test(cost, cost_conv_grouped);
    tcase_add_test(cost, cost_linear);
    tcase_add_test(cost, cost_bn);
    tcase_add_test(cost, cost_other_ops_zero);
    tcase_add_test(cost, cost_graph_totals);
    tcase_add_test(cost, cost_activation_bytes);
    suite_add_tcase(s, cost);

    TCase *tensors = tcase_create("tensors");
    tcase_add_test(tensors, tensors_conv);
    tcase_add_test(tensors, tensors_bn);
    tcase_add_test(tensors, tensors_linear);
    tcase_add_test(tensors, tensors_none);
    tcase_add_test(tensors, tensors_scoped_names);
    suite_add_tcase(s, tensors);

    TCase *memory = tcase_create("memory");
    tcase_add_test(memory, peak_chain);
    tcase_add_test(memory, peak_residual);
    tcase_add_test(memory, peak_alias_flatten);
    tcase_add_test(memory, peak_alias_identity);
    tcase_add_test(memory, peak_several_outputs);
    tcase_add_test(memory, peak_alias_output);
    tcase_add_test(memory, peak_input_only);
    suite_add_tcase(s, memory);

    TCase *verify = tcase_create("verify");
    tcase_add_test(verify, verify_good_graphs);
    tcase_add_test(verify, verify_bad_shape);
    tcase_add_test(verify, verify_bad_input_index);
    tcase_add_test(verify, verify_bad_attribute);
    tcase_add_test(verify, verify_shared_name);
    tcase_add_test(verify, verify_shared_name_free);
    tcase_add_test(verify, verify_outputs);
    tcase_add_test(verify, verify_input_node);
    suite_add_tcase(s, verify);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(ir_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
