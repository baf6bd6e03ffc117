/*
 * Check suite of frontend/: evaluation of .nas programs. Arithmetic with
 * Python's semantics, built-in functions, functions and blocks with
 * defaults, if and repeat, destructuring, layer naming, callable values,
 * tensor members, imports and the standard library, and the messages of
 * evaluation errors.
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

/*
 * Like tu_channels_of, with declarations (blocks, functions) placed before
 * the network, so `expr` can call them.
 */
static int channels_with(const char *decls, const char *expr)
{
    const char *source = arena_printf("%s\n"
                                      "network n(input = [1, 4, 4]) {\n"
                                      "    return conv(in, %s, k = 1) as probe\n"
                                      "}\n",
                                      decls, expr);
    return tu_node(tu_build(source), "probe")->shape.c;
}

/* The errors of a network whose only layer has `expr` output channels. */
static const char *errors_of(const char *expr)
{
    return tu_errors(arena_printf("network n(input = [1, 4, 4]) {\n"
                                  "    return conv(in, %s, k = 1) as probe\n"
                                  "}\n",
                                  expr));
}

/* ---- arithmetic ---- */

START_TEST(arith_true_division)
{
    /* `/` gives a float even between integers: 7 / 2 * 2 is 7.0, not 6. */
    ck_assert_int_eq(tu_channels_of("7 / 2 * 2"), 7);
    ck_assert_int_eq(tu_channels_of("1 / 4 * 8"), 2);
    ck_assert_int_eq(tu_channels_of("16 / 2"), 8);
    ck_assert(tu_contains(errors_of("7 / 2"), "must be an integer, got 3.5"));
}
END_TEST

START_TEST(arith_floor_division)
{
    /* Python: -7 // 2 == -4, 7 // -2 == -4, -7 // -2 == 3, -7.5 // 2 == -4.0 */
    ck_assert_int_eq(tu_channels_of("7 // 2"), 3);
    ck_assert_int_eq(tu_channels_of("10 + -7 // 2"), 6);
    ck_assert_int_eq(tu_channels_of("10 + 7 // -2"), 6);
    ck_assert_int_eq(tu_channels_of("-7 // -2"), 3);
    ck_assert_int_eq(tu_channels_of("7.5 // 2"), 3);
    ck_assert_int_eq(tu_channels_of("10 + -7.5 // 2"), 6);
}
END_TEST

START_TEST(arith_modulo_sign)
{
    /* Python: -7 % 3 == 2, 7 % -3 == -2, -7 % -3 == -1, -7.5 % 2 == 0.5, 7.5 % -2 == -0.5 */
    ck_assert_int_eq(tu_channels_of("7 % 3"), 1);
    ck_assert_int_eq(tu_channels_of("-7 % 3"), 2);
    ck_assert_int_eq(tu_channels_of("10 + 7 % -3"), 8);
    ck_assert_int_eq(tu_channels_of("10 + -7 % -3"), 9);
    ck_assert_int_eq(tu_channels_of("(-7.5 % 2) * 4"), 2);
    ck_assert_int_eq(tu_channels_of("(7.5 % -2) * -4"), 2);
}
END_TEST

START_TEST(arith_float_floor_python)
{
    /*
     * Python computes float `//` and `%` from the exact remainder (fmod), not
     * from the rounded quotient: 1 // 0.1 == 9.0 and 1 % 0.1 == 0.09999999999999995
     * in CPython 3, because 0.1 is slightly more than one tenth.
     */
    ck_assert_int_eq(tu_channels_of("1 // 0.1"), 9);
    ck_assert_int_eq(tu_channels_of("if 1 % 0.1 > 0.05 then 1 else 2"), 1);
}
END_TEST

START_TEST(arith_int_overflow)
{
    const char *overflows[] = {
        "9223372036854775807 + 1",
        "-9223372036854775807 - 2",
        "3037000500 * 3037000500",
        "(-9223372036854775807 - 1) // -1",
        "-(-9223372036854775807 - 1)",
    };
    for (size_t i = 0; i < sizeof overflows / sizeof overflows[0]; i++) {
        const char *errors = errors_of(overflows[i]);
        ck_assert_msg(tu_contains(errors, "error: integer overflow in this expression"),
                      "%s: %s", overflows[i], errors);
    }
}
END_TEST

START_TEST(arith_literal_too_large)
{
    const char *errors = errors_of("9223372036854775808");
    ck_assert(tu_contains(errors, "integer literal '9223372036854775808' is too large"));
}
END_TEST

START_TEST(arith_division_by_zero)
{
    const char *divisions[] = {"1 / 0", "1 // 0", "1 % 0", "1.0 / 0.0", "1.5 // 0", "2 % 0.0"};
    for (size_t i = 0; i < sizeof divisions / sizeof divisions[0]; i++) {
        const char *errors = errors_of(divisions[i]);
        ck_assert_msg(tu_contains(errors, "error: division by zero"), "%s: %s", divisions[i],
                      errors);
    }
}
END_TEST

START_TEST(arith_integral_float_ok)
{
    ck_assert_int_eq(tu_channels_of("8.0"), 8);
    ck_assert_int_eq(tu_channels_of("2.5 * 2"), 5);
    ir_graph *g = tu_build("network n(input = [3, 8, 8]) {\n"
                           "    return conv(in, 4, k = 3.0, stride = 2.0) as c\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "c")->shape.h, 3);
}
END_TEST

START_TEST(arith_fractional_rejected)
{
    const char *errors = errors_of("2.5");
    ck_assert(tu_contains(errors, "test.nas:2:21: error: argument 'out' of 'conv' must be an "
                                  "integer, got 2.5"));
}
END_TEST

START_TEST(arith_compare_mixed)
{
    ck_assert_int_eq(tu_channels_of("if 1 == 1.0 then 1 else 2"), 1);
    ck_assert_int_eq(tu_channels_of("if 0.1 + 0.2 == 0.3 then 1 else 2"), 2);
    ck_assert_int_eq(tu_channels_of("if [1, 2] == [1, 2] then 1 else 2"), 1);
}
END_TEST

START_TEST(arith_list_concat)
{
    ck_assert_int_eq(tu_channels_of("len([1, 2] + [3])"), 3);
    ck_assert_int_eq(tu_channels_of("([1, 2] + [7])[2]"), 7);
}
END_TEST

/* ---- built-in functions ---- */

START_TEST(builtin_min_max)
{
    ck_assert_int_eq(tu_channels_of("min(3, 5, 1)"), 1);
    ck_assert_int_eq(tu_channels_of("max(3, 5, 1)"), 5);
    ck_assert_int_eq(tu_channels_of("max([2, 9, 4])"), 9);
    ck_assert_int_eq(tu_channels_of("min([7])"), 7);
    /* min keeps the float 1.5, so doubling it gives 3. */
    ck_assert_int_eq(tu_channels_of("min(2, 1.5) * 2"), 3);
}
END_TEST

START_TEST(builtin_int_truncates)
{
    ck_assert_int_eq(tu_channels_of("int(7.9)"), 7);
    ck_assert_int_eq(tu_channels_of("10 + int(-7.9)"), 3);
    ck_assert_int_eq(tu_channels_of("int(7)"), 7);
    ck_assert(tu_contains(errors_of("int(7.9) / 2"), "got 3.5"));
}
END_TEST

START_TEST(builtin_round_half_even)
{
    /* Python 3: round(2.5) == 2, round(3.5) == 4, round(-2.5) == -2, round(0.5) == 0 */
    ck_assert_int_eq(tu_channels_of("round(2.5)"), 2);
    ck_assert_int_eq(tu_channels_of("round(3.5)"), 4);
    ck_assert_int_eq(tu_channels_of("round(1.5)"), 2);
    ck_assert_int_eq(tu_channels_of("10 + round(-2.5)"), 8);
    ck_assert_int_eq(tu_channels_of("10 + round(0.5)"), 10);
    ck_assert_int_eq(tu_channels_of("10 + round(-0.5)"), 10);
    ck_assert_int_eq(tu_channels_of("round(2.6)"), 3);
    ck_assert_int_eq(tu_channels_of("round(7)"), 7);
    /* round gives an integer: an integral float would be accepted too, so divide. */
    ck_assert(tu_contains(errors_of("round(2.6) / 2"), "got 1.5"));
}
END_TEST

START_TEST(builtin_float)
{
    ck_assert_int_eq(tu_channels_of("float(7) / 2 * 2"), 7);
    ck_assert(tu_contains(errors_of("float(3) / 2"), "got 1.5"));
}
END_TEST

START_TEST(builtin_len)
{
    ck_assert_int_eq(tu_channels_of("len([1, 2, 3])"), 3);
    ck_assert_int_eq(tu_channels_of("1 + len([])"), 1);
    ck_assert_int_eq(tu_channels_of("len(in.shape)"), 3);
    ck_assert(tu_contains(errors_of("len(3)"), "'len' needs a list, got an integer"));
}
END_TEST

START_TEST(builtin_range)
{
    ck_assert_int_eq(tu_channels_of("len(range(5))"), 5);
    ck_assert_int_eq(tu_channels_of("range(4)[3]"), 3);
    ck_assert_int_eq(tu_channels_of("1 + range(4)[0]"), 1);
    ck_assert_int_eq(tu_channels_of("range(2, 6)[0]"), 2);
    ck_assert_int_eq(tu_channels_of("range(2, 6)[-1]"), 5);
    ck_assert_int_eq(tu_channels_of("len(range(2, 6))"), 4);
    ck_assert_int_eq(tu_channels_of("1 + len(range(6, 2))"), 1);
    ck_assert_int_eq(tu_channels_of("1 + len(range(-3))"), 1);
}
END_TEST

/* ---- functions and blocks ---- */

START_TEST(fn_defaults_use_earlier)
{
    const char *f = "fn f(a, b = a * 2, c = a + b) { return c }";
    ck_assert_int_eq(channels_with(f, "f(3)"), 9);
    ck_assert_int_eq(channels_with(f, "f(3, 1)"), 4);
    ck_assert_int_eq(channels_with(f, "f(3, c = 5)"), 5);
    ck_assert_int_eq(channels_with(f, "f(a = 2)"), 6);
    ck_assert_int_eq(channels_with(f, "f(2, b = 10)"), 12);
}
END_TEST

START_TEST(fn_make_divisible)
{
    /* torchvision's _make_divisible gives 24, 24, 24 and 104 for 18, 20, 24.0 and 100. */
    const char *f = "fn make_divisible(v, divisor = 8) {\n"
                    "    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)\n"
                    "    if new_v < 0.9 * v {\n"
                    "        new_v = new_v + divisor\n"
                    "    }\n"
                    "    return new_v\n"
                    "}\n";
    ck_assert_int_eq(channels_with(f, "make_divisible(18)"), 24);
    ck_assert_int_eq(channels_with(f, "make_divisible(20)"), 24);
    ck_assert_int_eq(channels_with(f, "make_divisible(32 * 0.75)"), 24);
    ck_assert_int_eq(channels_with(f, "make_divisible(100)"), 104);
}
END_TEST

START_TEST(block_defaults_use_in)
{
    ir_graph *g = tu_build("block b(out = in.c * 2, mid = out // 4) {\n"
                           "    x = conv(in, mid, k = 1) as reduce\n"
                           "    return conv(x, out, k = 1) as expand\n"
                           "}\n"
                           "network n(input = [8, 4, 4]) {\n"
                           "    x = b(in) as first\n"
                           "    y = b(x, mid = 2) as second\n"
                           "    return y\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "first.reduce")->shape.c, 4);
    ck_assert_int_eq(tu_node(g, "first.expand")->shape.c, 16);
    ck_assert_int_eq(tu_node(g, "second.reduce")->shape.c, 2);
    ck_assert_int_eq(tu_node(g, "second.expand")->shape.c, 32);
}
END_TEST

START_TEST(block_piped_input)
{
    ir_graph *g = tu_build("block b(out) { return conv(in, out, k = 1) as c }\n"
                           "network n(input = [3, 4, 4]) {\n"
                           "    return in | b(6) as first | b(out = 5) as second\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "first.c")->shape.c, 6);
    ck_assert_int_eq(tu_node(g, "second.c")->shape.c, 5);
    ck_assert_int_eq(tu_node(g, "second.c")->inputs[0], 1);
}
END_TEST

START_TEST(block_sees_own_frame)
{
    /* A block reads its own parameters and variables, never its caller's. */
    const char *errors = tu_errors("block b() { return conv(in, width, k = 1) }\n"
                                   "network n(input = [3, 4, 4]) {\n"
                                   "    width = 8\n"
                                   "    return b(in)\n"
                                   "}\n");
    ck_assert(tu_contains(errors, "test.nas:1:29: error: unknown name 'width'"));
}
END_TEST

/* ---- if and repeat ---- */

START_TEST(if_stmt_shares_scope)
{
    ir_graph *g = tu_build("network n(input = [3, 4, 4], wide = true) {\n"
                           "    if wide {\n"
                           "        c = 16\n"
                           "    } else {\n"
                           "        c = 4\n"
                           "    }\n"
                           "    return conv(in, c, k = 1) as probe\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "probe")->shape.c, 16);
}
END_TEST

START_TEST(if_needs_bool)
{
    const char *errors = tu_errors("network n(input = [3, 4, 4]) {\n"
                                   "    if 1 { x = relu(in) }\n"
                                   "    return relu(in)\n"
                                   "}\n");
    ck_assert(tu_contains(errors, "test.nas:2:8: error: a condition must be a boolean, got an "
                                  "integer"));
}
END_TEST

START_TEST(cond_expr_lazy)
{
    /* Only the chosen side of `if then else` is evaluated. */
    ck_assert_int_eq(tu_channels_of("if true then 4 else 1 // 0"), 4);
    ck_assert_int_eq(tu_channels_of("if false then 1 // 0 else 5"), 5);
}
END_TEST

START_TEST(repeat_count)
{
    ir_graph *g = tu_build("network n(input = [3, 4, 4]) {\n"
                           "    x = in\n"
                           "    repeat 3 { x = relu(x) }\n"
                           "    repeat 0 { x = sigmoid(x) }\n"
                           "    repeat 2.0 { x = relu6(x) }\n"
                           "    return x\n"
                           "}\n");
    ck_assert_int_eq(g->nnodes, 6);
    ck_assert_str_eq(g->nodes[1].name, "relu_0");
    ck_assert_str_eq(g->nodes[3].name, "relu_2");
    ck_assert_int_eq(g->nodes[3].inputs[0], 2);
    ck_assert_str_eq(g->nodes[5].name, "relu6_1");
}
END_TEST

START_TEST(repeat_negative)
{
    const char *errors = tu_errors("network n(input = [3, 4, 4]) {\n"
                                   "    repeat 2 - 3 { x = relu(in) }\n"
                                   "    return in\n"
                                   "}\n");
    ck_assert(tu_contains(errors, "error: repeat count -1 is negative"));
}
END_TEST

START_TEST(repeat_in_list)
{
    ir_graph *g = tu_build("network n(input = [3, 4, 4]) {\n"
                           "    x = in\n"
                           "    repeat c in [4, 8, 16] { x = conv(x, c, k = 1) }\n"
                           "    repeat i in range(3) { last = i }\n"
                           "    return conv(x, last + 5, k = 1) as probe\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "conv_0")->shape.c, 4);
    ck_assert_int_eq(tu_node(g, "conv_1")->shape.c, 8);
    ck_assert_int_eq(tu_node(g, "conv_2")->shape.c, 16);
    ck_assert_int_eq(tu_node(g, "conv_2")->inputs[0], 2);
    ck_assert_int_eq(tu_node(g, "probe")->shape.c, 7);
}
END_TEST

START_TEST(repeat_in_needs_list)
{
    const char *errors = tu_errors("network n(input = [3, 4, 4]) {\n"
                                   "    repeat i in 3 { x = relu(in) }\n"
                                   "    return in\n"
                                   "}\n");
    ck_assert(tu_contains(errors, "'repeat i in' needs a list, got an integer"));
}
END_TEST

/* ---- destructuring ---- */

START_TEST(destructure_split)
{
    ir_graph *g = tu_build("network n(input = [6, 4, 4]) {\n"
                           "    a, b = split(in, 2)\n"
                           "    c, d = split(in, [2, 4]) as parts\n"
                           "    return concat(b, a, c, d)\n"
                           "}\n");
    const ir_node *a = tu_node(g, "split_0.0");
    const ir_node *b = tu_node(g, "split_0.1");
    ck_assert_int_eq(a->shape.c, 3);
    ck_assert_int_eq(a->attr.split.start, 0);
    ck_assert_int_eq(b->shape.c, 3);
    ck_assert_int_eq(b->attr.split.start, 3);
    ck_assert_int_eq(tu_node(g, "parts.0")->shape.c, 2);
    ck_assert_int_eq(tu_node(g, "parts.1")->shape.c, 4);
    ck_assert_int_eq(tu_node(g, "parts.1")->attr.split.start, 2);
    const ir_node *cat = tu_node(g, "concat_0");
    ck_assert_int_eq(cat->inputs[0], (int)(b - g->nodes));
    ck_assert_int_eq(cat->shape.c, 12);
}
END_TEST

START_TEST(destructure_list_and_block)
{
    ir_graph *g = tu_build("block two() { return relu(in) as r, sigmoid(in) as s }\n"
                           "network n(input = [3, 4, 4]) {\n"
                           "    h, w = [5, 7]\n"
                           "    a, b = two(in) as t\n"
                           "    return conv(b, h + w, k = 1) as probe\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "probe")->shape.c, 12);
    ck_assert_int_eq(tu_node(g, "probe")->inputs[0], (int)(tu_node(g, "t.s") - g->nodes));
}
END_TEST

START_TEST(destructure_mismatch)
{
    const char *errors = tu_errors("network n(input = [6, 4, 4]) {\n"
                                   "    a, b, c = split(in, 2)\n"
                                   "    return a\n"
                                   "}\n");
    ck_assert(tu_contains(errors, "test.nas:2:15: error: cannot unpack a list of 2 values into "
                                  "3 variables"));
}
END_TEST

/* ---- layer names ---- */

START_TEST(naming_explicit_as)
{
    ir_graph *g = tu_build("network n(input = [3, 4, 4]) {\n"
                           "    x = conv(in, 8, k = 1) as stem\n"
                           "    y = relu(x) as 0\n"
                           "    return y\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "stem")->op, IR_CONV);
    ck_assert_int_eq(tu_node(g, "0")->op, IR_RELU);
}
END_TEST

START_TEST(naming_seq_indices)
{
    ir_graph *g = tu_build("network n(input = [3, 8, 8]) {\n"
                           "    y = in | seq as features {\n"
                           "        conv(8, k = 3, pad = 1, bias = false)\n"
                           "        bn\n"
                           "        relu6\n"
                           "        c = 4\n"
                           "        conv(c, k = 1)\n"
                           "        repeat 2 { relu }\n"
                           "        if c == 4 { sigmoid } else { hardswish }\n"
                           "        dropout(p = 0.2)\n"
                           "    }\n"
                           "    return y\n"
                           "}\n");
    ck_assert_int_eq(g->nnodes, 9);
    ck_assert_int_eq(tu_node(g, "features.0")->op, IR_CONV);
    ck_assert_int_eq(tu_node(g, "features.1")->op, IR_BN);
    ck_assert_int_eq(tu_node(g, "features.2")->op, IR_RELU6);
    ck_assert_int_eq(tu_node(g, "features.3")->op, IR_CONV);
    ck_assert_int_eq(tu_node(g, "features.3")->shape.c, 4);
    ck_assert_int_eq(tu_node(g, "features.4")->op, IR_RELU);
    ck_assert_int_eq(tu_node(g, "features.5")->op, IR_RELU);
    ck_assert_int_eq(tu_node(g, "features.6")->op, IR_SIGMOID);
    ck_assert_int_eq(tu_node(g, "features.7")->op, IR_DROPOUT);
}
END_TEST

START_TEST(naming_seq_named_stage)
{
    /* Every line of a seq takes the next index, a line named with `as` too. */
    ir_graph *g = tu_build("network n(input = [3, 8, 8]) {\n"
                           "    return in | seq as f {\n"
                           "        conv(8, k = 1)\n"
                           "        relu as act\n"
                           "        conv(8, k = 1)\n"
                           "    }\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "f.0")->op, IR_CONV);
    ck_assert_int_eq(tu_node(g, "f.act")->op, IR_RELU);
    ck_assert_int_eq(tu_node(g, "f.2")->op, IR_CONV);
}
END_TEST

START_TEST(naming_nested_seq)
{
    ir_graph *g = tu_build("network n(input = [3, 8, 8]) {\n"
                           "    return in | seq as features {\n"
                           "        conv(8, k = 1)\n"
                           "        seq {\n"
                           "            relu\n"
                           "            conv(8, k = 1)\n"
                           "        }\n"
                           "        seq as head {\n"
                           "            sigmoid\n"
                           "        }\n"
                           "        conv(4, k = 1)\n"
                           "    }\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "features.0")->op, IR_CONV);
    ck_assert_int_eq(tu_node(g, "features.1.0")->op, IR_RELU);
    ck_assert_int_eq(tu_node(g, "features.1.1")->op, IR_CONV);
    ck_assert_int_eq(tu_node(g, "features.head.0")->op, IR_SIGMOID);
    ck_assert_int_eq(tu_node(g, "features.3")->shape.c, 4);
}
END_TEST

START_TEST(naming_block_scope)
{
    ir_graph *g = tu_build("block basic(planes) {\n"
                           "    out = conv(in, planes, k = 3, pad = 1, bias = false) as conv1\n"
                           "    out = bn(out) as bn1\n"
                           "    return relu(out + in)\n"
                           "}\n"
                           "network n(input = [8, 6, 6]) {\n"
                           "    x = in | seq as layer1 {\n"
                           "        basic(8)\n"
                           "        basic(8)\n"
                           "    }\n"
                           "    y = basic(x, 8) as blk\n"
                           "    z = basic(y, 8)\n"
                           "    return basic(z, 8)\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "layer1.0.conv1")->op, IR_CONV);
    ck_assert_int_eq(tu_node(g, "layer1.0.bn1")->op, IR_BN);
    ck_assert_int_eq(tu_node(g, "layer1.0.add_0")->op, IR_ADD);
    ck_assert_int_eq(tu_node(g, "layer1.0.relu_0")->op, IR_RELU);
    ck_assert_int_eq(tu_node(g, "layer1.1.conv1")->op, IR_CONV);
    ck_assert_int_eq(tu_node(g, "blk.conv1")->op, IR_CONV);
    ck_assert_int_eq(tu_node(g, "basic_0.conv1")->op, IR_CONV);
    ck_assert_int_eq(tu_node(g, "basic_1.bn1")->op, IR_BN);
}
END_TEST

START_TEST(naming_nested_blocks)
{
    ir_graph *g = tu_build("block inner() { return conv(in, 4, k = 1) as conv }\n"
                           "block outer() {\n"
                           "    a = inner(in) as a\n"
                           "    return inner(a)\n"
                           "}\n"
                           "network n(input = [3, 4, 4]) {\n"
                           "    return outer(in) as o\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "o.a.conv")->op, IR_CONV);
    ck_assert_int_eq(tu_node(g, "o.inner_0.conv")->op, IR_CONV);
}
END_TEST

START_TEST(naming_kind_counters)
{
    ir_graph *g = tu_build("block b() { return relu(in) }\n"
                           "network n(input = [4, 6, 6]) {\n"
                           "    a = relu(in) as named\n"
                           "    a = relu(a)\n"
                           "    a = relu(a)\n"
                           "    s = sigmoid(a)\n"
                           "    d = conv(s, 4, k = 1)\n"
                           "    e = d + s\n"
                           "    f = e * d\n"
                           "    g = concat(f, e)\n"
                           "    return b(g) as blk\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "named")->op, IR_RELU);
    ck_assert_int_eq(tu_node(g, "relu_0")->op, IR_RELU);
    ck_assert_int_eq(tu_node(g, "relu_1")->op, IR_RELU);
    ck_assert_int_eq(tu_node(g, "sigmoid_0")->op, IR_SIGMOID);
    ck_assert_int_eq(tu_node(g, "conv_0")->op, IR_CONV);
    ck_assert_int_eq(tu_node(g, "add_0")->op, IR_ADD);
    ck_assert_int_eq(tu_node(g, "mul_0")->op, IR_MUL);
    ck_assert_int_eq(tu_node(g, "concat_0")->op, IR_CONCAT);
    ck_assert_int_eq(tu_node(g, "blk.relu_0")->op, IR_RELU);
}
END_TEST

START_TEST(naming_unnamed_seq_continues)
{
    ir_graph *g = tu_build("block b() {\n"
                           "    x = in | seq { relu }\n"
                           "    return x | seq { sigmoid }\n"
                           "}\n"
                           "network n(input = [4, 6, 6]) {\n"
                           "    x = in | seq {\n"
                           "        conv(4, k = 1)\n"
                           "        relu\n"
                           "    }\n"
                           "    y = x | seq {\n"
                           "        conv(5, k = 1)\n"
                           "    }\n"
                           "    return b(y) as p\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "0")->op, IR_CONV);
    ck_assert_int_eq(tu_node(g, "1")->op, IR_RELU);
    ck_assert_int_eq(tu_node(g, "2")->shape.c, 5);
    ck_assert_int_eq(tu_node(g, "p.0")->op, IR_RELU);
    ck_assert_int_eq(tu_node(g, "p.1")->op, IR_SIGMOID);
}
END_TEST

START_TEST(naming_duplicate_params)
{
    const char *errors = tu_errors("network n(input = [3, 4, 4]) {\n"
                                   "    x = conv(in, 8, k = 1) as c\n"
                                   "    y = conv(x, 8, k = 1) as c\n"
                                   "    return y\n"
                                   "}\n");
    ck_assert(tu_contains(errors, "test.nas:3:9: error: layer name 'c' is already used by "
                                  "another layer with parameters"));
    ck_assert(tu_contains(errors, "test.nas:2:9: note: the earlier layer with that name comes "
                                  "from here"));
}
END_TEST

START_TEST(naming_duplicate_free_ok)
{
    /* Layers without parameters may share a name, as torchvision's `relu` does. */
    ir_graph *g = tu_build("network n(input = [3, 4, 4]) {\n"
                           "    x = relu(in) as r\n"
                           "    y = relu(x) as r\n"
                           "    return y\n"
                           "}\n");
    ck_assert_int_eq(g->nnodes, 3);
}
END_TEST

START_TEST(naming_as_needs_layer)
{
    const char *errors = tu_errors("network n(input = [3, 4, 4]) {\n"
                                   "    c = 3 as foo\n"
                                   "    return relu(in)\n"
                                   "}\n");
    ck_assert(tu_contains(errors, "test.nas:2:14: error: 'as' names a layer, but this "
                                  "expression adds none"));
}
END_TEST

/* ---- callable values ---- */

START_TEST(callable_op_to_block)
{
    ir_graph *g = tu_build("block cbr(out, act = relu) {\n"
                           "    return in | conv(out, k = 1) as conv | act\n"
                           "}\n"
                           "network n(input = [3, 8, 8]) {\n"
                           "    x = cbr(in, 8) as a\n"
                           "    y = cbr(x, 8, act = hardswish) as b\n"
                           "    act = sigmoid\n"
                           "    z = y | act\n"
                           "    return act(z)\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "a.conv")->op, IR_CONV);
    ck_assert_int_eq(tu_node(g, "a.relu_0")->op, IR_RELU);
    ck_assert_int_eq(tu_node(g, "b.hardswish_0")->op, IR_HARDSWISH);
    ck_assert_int_eq(tu_node(g, "sigmoid_0")->op, IR_SIGMOID);
    ck_assert_int_eq(tu_node(g, "sigmoid_1")->op, IR_SIGMOID);
}
END_TEST

START_TEST(callable_block_value)
{
    ir_graph *g = tu_build("block double_conv(out) {\n"
                           "    return in | conv(out, k = 1) as c1 | conv(out, k = 1) as c2\n"
                           "}\n"
                           "block apply(f, out) { return in | f(out) as body }\n"
                           "network n(input = [3, 8, 8]) {\n"
                           "    stage = double_conv\n"
                           "    x = in | stage(4) as first\n"
                           "    return apply(x, double_conv, 6) as outer\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "first.c2")->shape.c, 4);
    ck_assert_int_eq(tu_node(g, "outer.body.c1")->shape.c, 6);
    ck_assert_int_eq(tu_node(g, "outer.body.c2")->shape.c, 6);
}
END_TEST

START_TEST(callable_function_value)
{
    ck_assert_int_eq(channels_with("fn twice(v) { return v * 2 }\n"
                                   "fn apply(f, v) { return f(v) }",
                                   "apply(twice, 4)"),
                     8);
    ck_assert_int_eq(channels_with("fn apply(f, v) { return f(v) }", "apply(max, [3, 9])"), 9);
}
END_TEST

START_TEST(callable_not_a_stage)
{
    const char *errors = tu_errors("network n(input = [3, 4, 4]) {\n"
                                   "    c = 3\n"
                                   "    return in | c\n"
                                   "}\n");
    ck_assert(tu_contains(errors, "a pipe stage must be an op, a block or a seq; this is an "
                                  "integer"));
}
END_TEST

/* ---- tensor members ---- */

START_TEST(member_in_dims)
{
    ir_graph *g = tu_build("network n(input = [3, 5, 7]) {\n"
                           "    a = conv(in, in.c + in.h + in.w, k = 1) as a\n"
                           "    b = conv(in, in.shape[1], k = 1) as b\n"
                           "    c = conv(in, in.shape[2] * len(in.shape), k = 1) as c\n"
                           "    d = conv(in, 2, k = 3, stride = 2) as d\n"
                           "    return conv(d, d.h * 10 + d.w, k = 1) as e\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "a")->shape.c, 15);
    ck_assert_int_eq(tu_node(g, "b")->shape.c, 5);
    ck_assert_int_eq(tu_node(g, "c")->shape.c, 21);
    /* d is 2x2x3: floor((5 - 3) / 2) + 1 and floor((7 - 3) / 2) + 1 */
    ck_assert_int_eq(tu_node(g, "e")->shape.c, 23);
}
END_TEST

START_TEST(member_block_in)
{
    ir_graph *g = tu_build("block b() { return conv(in, in.c * 2, k = 1) as c }\n"
                           "network n(input = [3, 4, 4]) {\n"
                           "    x = conv(in, 5, k = 1)\n"
                           "    return b(x) as blk\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "blk.c")->shape.c, 10);
}
END_TEST

START_TEST(member_unknown)
{
    const char *errors = tu_errors("network n(input = [3, 4, 4]) {\n"
                                   "    return conv(in, in.d, k = 1)\n"
                                   "}\n");
    ck_assert(tu_contains(errors, "test.nas:2:24: error: a tensor has no member 'd' (it has c, "
                                  "h, w and shape)"));
}
END_TEST

START_TEST(member_in_outside)
{
    const char *errors = tu_errors("fn f() { return in.c }\n"
                                   "network n(input = [3, 4, 4]) {\n"
                                   "    return conv(in, f(), k = 1)\n"
                                   "}\n");
    ck_assert(tu_contains(errors, "test.nas:1:17: error: 'in' exists only inside a block or "
                                  "network"));
}
END_TEST

/* ---- imports ---- */

/* A folder for the files of the import tests, removed after the test case. */
static char import_root[PATH_MAX];

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static void import_setup(void)
{
    char pattern[] = "/tmp/nasc-check-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(pattern));
    ck_assert_ptr_nonnull(realpath(pattern, import_root));
}

static void import_teardown(void)
{
    if (import_root[0])
        nftw(import_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    import_root[0] = '\0';
}

/* Creates the folder `name` under the test case's folder and returns its path. */
static const char *make_dir(const char *name)
{
    const char *path = arena_printf("%s/%s", import_root, name);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    return path;
}

/* Writes `text` to dir/name and returns the path. */
static const char *write_file(const char *dir, const char *name, const char *text)
{
    const char *path = arena_printf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

static const char *const lib_text = "block cbr(out) {\n"
                                    "    return in | conv(out, k = 1) as conv | relu as act\n"
                                    "}\n";

START_TEST(import_next_to_file)
{
    const char *dir = make_dir("next");
    write_file(dir, "lib.nas", lib_text);
    const char *main_path = write_file(dir, "main.nas",
                                       "import \"lib.nas\"\n"
                                       "network n(input = [3, 4, 4]) { return cbr(in, 8) as b }\n");
    tu_result r = tu_compile_file(main_path, NULL);
    ck_assert_msg(r.graph != NULL, "%s", r.errors);
    ck_assert_int_eq(tu_node(r.graph, "b.conv")->shape.c, 8);
}
END_TEST

START_TEST(import_next_to_importer)
{
    /* sub/a.nas imports "b.nas", which is found next to a.nas, not next to main.nas. */
    const char *dir = make_dir("nested");
    const char *sub = make_dir("nested/sub");
    write_file(sub, "b.nas", lib_text);
    write_file(sub, "a.nas", "import \"b.nas\"\n"
                             "block twice(out) { return in | cbr(out) as first | cbr(out) as second }\n");
    const char *main_path = write_file(dir, "main.nas",
                                       "import \"sub/a.nas\"\n"
                                       "network n(input = [3, 4, 4]) { return twice(in, 6) as t }\n");
    tu_result r = tu_compile_file(main_path, NULL);
    ck_assert_msg(r.graph != NULL, "%s", r.errors);
    ck_assert_int_eq(tu_node(r.graph, "t.second.conv")->shape.c, 6);
}
END_TEST

START_TEST(import_nasc_path)
{
    const char *main_dir = make_dir("main");
    const char *shared = make_dir("shared");
    write_file(shared, "shared.nas", lib_text);
    const char *main_path = write_file(main_dir, "main.nas",
                                       "import \"shared.nas\"\n"
                                       "network n(input = [3, 4, 4]) { return cbr(in, 5) as b }\n");

    unsetenv("NASC_PATH");
    tu_result missing = tu_compile_file(main_path, NULL);
    ck_assert_ptr_null(missing.graph);
    ck_assert(tu_contains(missing.errors, "error: cannot find 'shared.nas' to import"));

    ck_assert_int_eq(setenv("NASC_PATH", arena_printf("/nonexistent::%s", shared), 1), 0);
    tu_result found = tu_compile_file(main_path, NULL);
    ck_assert_msg(found.graph != NULL, "%s", found.errors);
    ck_assert_int_eq(tu_node(found.graph, "b.conv")->shape.c, 5);
}
END_TEST

START_TEST(import_once_and_cycle)
{
    /* a.nas and b.nas both import lib.nas, and b.nas imports main.nas back. */
    const char *dir = make_dir("once");
    write_file(dir, "lib.nas", lib_text);
    write_file(dir, "a.nas", "import \"lib.nas\"\nblock ba(out) { return cbr(in, out) }\n");
    write_file(dir, "b.nas", "import \"lib.nas\"\nimport \"main.nas\"\n"
                             "block bb(out) { return cbr(in, out) }\n");
    const char *main_path = write_file(dir, "main.nas",
                                       "import \"a.nas\"\n"
                                       "import \"b.nas\"\n"
                                       "import \"lib.nas\"\n"
                                       "network n(input = [3, 4, 4]) {\n"
                                       "    return in | ba(4) as x | bb(6) as y\n"
                                       "}\n");
    tu_result r = tu_compile_file(main_path, NULL);
    ck_assert_msg(r.graph != NULL, "%s", r.errors);
    ck_assert_int_eq(tu_node(r.graph, "y.cbr_0.conv")->shape.c, 6);
}
END_TEST

START_TEST(import_duplicate_name)
{
    const char *dir = make_dir("duplicate");
    write_file(dir, "lib.nas", lib_text);
    const char *main_path = write_file(dir, "main.nas",
                                       "import \"lib.nas\"\n"
                                       "block cbr(out) { return relu(in) }\n"
                                       "network n(input = [3, 4, 4]) { return cbr(in, 5) }\n");
    tu_result r = tu_compile_file(main_path, NULL);
    ck_assert_ptr_null(r.graph);
    /* Reported in main.nas, the importing file the user edits. */
    ck_assert(tu_contains(r.errors, "main.nas:2:7: error: 'cbr' is also defined in the imported file"));
    ck_assert(tu_contains(r.errors, "note: the imported definition of 'cbr' is here"));
}
END_TEST

START_TEST(import_missing_file)
{
    const char *dir = make_dir("missing");
    const char *main_path = write_file(dir, "main.nas",
                                       "import \"nothing_here.nas\"\n"
                                       "network n(input = [3, 4, 4]) { return relu(in) }\n");
    tu_result r = tu_compile_file(main_path, NULL);
    ck_assert_ptr_null(r.graph);
    ck_assert(tu_contains(r.errors, arena_printf("%s:1:8: error: cannot find 'nothing_here.nas' "
                                                 "to import (searched next to '%s'",
                                                 main_path, main_path)));
}
END_TEST

START_TEST(import_absolute_path)
{
    const char *lib_dir = make_dir("absolute_lib");
    const char *main_dir = make_dir("absolute_main");
    const char *lib = write_file(lib_dir, "lib.nas", lib_text);
    const char *main_path = write_file(main_dir, "main.nas",
                                       arena_printf("import \"%s\"\n"
                                                    "network n(input = [3, 4, 4]) {\n"
                                                    "    return cbr(in, 7) as b\n"
                                                    "}\n",
                                                    lib));
    tu_result r = tu_compile_file(main_path, NULL);
    ck_assert_msg(r.graph != NULL, "%s", r.errors);
    ck_assert_int_eq(tu_node(r.graph, "b.conv")->shape.c, 7);
}
END_TEST

START_TEST(import_search_order)
{
    /*
     * "layers.nas" exists next to main.nas and in a NASC_PATH folder, and
     * "common.nas" in NASC_PATH and the standard library: the file next to
     * the importer wins, then NASC_PATH.
     */
    const char *dir = make_dir("order");
    const char *path_dir = make_dir("order_path");
    write_file(dir, "layers.nas", "block pick_layer() { return conv(in, 3, k = 1) as local }\n");
    write_file(path_dir, "layers.nas", "block pick_layer() { return conv(in, 4, k = 1) as path }\n");
    write_file(path_dir, "common.nas", "block shadow() { return conv(in, 5, k = 1) as path }\n");
    const char *main_path = write_file(dir, "main.nas",
                                       "import \"layers.nas\"\n"
                                       "import \"common.nas\"\n"
                                       "network n(input = [3, 4, 4]) {\n"
                                       "    return in | pick_layer as a | shadow as b\n"
                                       "}\n");
    ck_assert_int_eq(setenv("NASC_PATH", path_dir, 1), 0);
    tu_result r = tu_compile_file(main_path, NULL);
    ck_assert_msg(r.graph != NULL, "%s", r.errors);
    ck_assert_int_eq(tu_node(r.graph, "a.local")->shape.c, 3);
    ck_assert_int_eq(tu_node(r.graph, "b.path")->shape.c, 5);
}
END_TEST

START_TEST(import_error_location)
{
    /* An error inside an imported file names that file and its line. */
    const char *dir = make_dir("broken");
    const char *lib = write_file(dir, "lib.nas", "block b() {\n"
                                                 "    return relu(in) )\n"
                                                 "}\n");
    const char *main_path = write_file(dir, "main.nas",
                                       "import \"lib.nas\"\n"
                                       "network n(input = [3, 4, 4]) { return b(in) }\n");
    tu_result r = tu_compile_file(main_path, NULL);
    ck_assert_ptr_null(r.graph);
    ck_assert(tu_contains(r.errors, arena_printf("%s:2:21: error: syntax error: unexpected ')'",
                                                 lib)));
}
END_TEST

START_TEST(load_missing_main)
{
    tu_result r = tu_compile_file("/nonexistent/main.nas", NULL);
    ck_assert_ptr_null(r.graph);
    ck_assert(tu_contains(r.errors, "nasc: error: cannot open '/nonexistent/main.nas': No such "
                                    "file or directory"));
}
END_TEST

START_TEST(stdlib_dir_built_in)
{
    ck_assert_str_eq(fe_stdlib_dir(), NASC_STDLIB_DIR);
}
END_TEST

START_TEST(stdlib_resnet)
{
    unsetenv("NASC_PATH");
    ir_graph *g = tu_build("import \"resnet.nas\"\n"
                           "network n(input = [64, 8, 8]) {\n"
                           "    x = in | basic_block(64) as same\n"
                           "    return x | basic_block(128, stride = 2) as down\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "same.conv1")->op, IR_CONV);
    ck_assert_int_eq(tu_node(g, "down.downsample.0")->op, IR_CONV);
    ck_assert_int_eq(tu_node(g, "down.downsample.1")->op, IR_BN);
    const ir_node *out = &g->nodes[g->outputs[0]];
    ck_assert_int_eq(out->shape.c, 128);
    ck_assert_int_eq(out->shape.h, 4);
    /*
     * torchvision 0.14: BasicBlock(64, 64) has 73984 parameters and
     * BasicBlock(64, 128, stride=2, downsample) has 230144.
     */
    ck_assert_int_eq(ir_graph_cost(g).params, 73984 + 230144);
}
END_TEST

/* ---- networks ---- */

START_TEST(network_select)
{
    const char *source = "network a(input = [3, 4, 4]) { return relu(in) }\n"
                         "network b(input = [3, 4, 4], width = 6) {\n"
                         "    return conv(in, width, k = 1) as c\n"
                         "}\n";
    tu_result r = tu_compile(source, "b");
    ck_assert_msg(r.graph != NULL, "%s", r.errors);
    ck_assert_int_eq(tu_node(r.graph, "c")->shape.c, 6);

    tu_result none = tu_compile(source, NULL);
    ck_assert_ptr_null(none.graph);
    ck_assert(tu_contains(none.errors, "nasc: error: 'test.nas' defines several networks (a, b); "
                                       "choose one with --network NAME"));

    tu_result wrong = tu_compile(source, "c");
    ck_assert(tu_contains(wrong.errors, "'test.nas' defines no network named 'c'"));
}
END_TEST

START_TEST(network_input_shape)
{
    ir_graph *g = tu_build("network n(input = [3, 5, 7]) { return relu(in) }\n");
    ck_assert_int_eq(g->nodes[0].op, IR_INPUT);
    ck_assert_int_eq(g->nodes[0].shape.c, 3);
    ck_assert_int_eq(g->nodes[0].shape.h, 5);
    ck_assert_int_eq(g->nodes[0].shape.w, 7);

    const char *errors = tu_errors("network n(input = [3, 5]) { return relu(in) }\n");
    ck_assert(tu_contains(errors, "the input shape must be a list [C, H, W], got a list of 2 "
                                  "values"));
}
END_TEST

/* ---- error messages ---- */

START_TEST(error_recursion)
{
    const char *direct = tu_errors("fn f(n) { return f(n) }\n"
                                   "network n(input = [3, 4, 4]) { return conv(in, f(1), k = 1) }\n");
    ck_assert(tu_contains(direct, "test.nas:1:18: error: function 'f' calls itself (f -> f); "
                                  "recursion is not allowed"));

    const char *mutual = tu_errors("block a() { return b(in) }\n"
                                   "block b() { return a(in) }\n"
                                   "network n(input = [3, 4, 4]) { return a(in) }\n");
    ck_assert(tu_contains(mutual, "test.nas:2:20: error: block 'a' calls itself (a -> b -> a); "
                                  "recursion is not allowed"));
}
END_TEST

START_TEST(error_unknown_argument)
{
    const char *op = tu_errors("network n(input = [3, 4, 4]) {\n"
                               "    return conv(in, 8, k = 1, strid = 2)\n"
                               "}\n");
    ck_assert(tu_contains(op, "test.nas:2:31: error: 'conv' has no argument 'strid' (its "
                              "arguments: x, out, k, stride, pad, dilation, groups, bias)"));

    const char *block = tu_errors("block b(out) { return conv(in, out, k = 1) }\n"
                                  "network n(input = [3, 4, 4]) {\n"
                                  "    return b(in, width = 2)\n"
                                  "}\n");
    ck_assert(tu_contains(block, "test.nas:3:18: error: block 'b' has no parameter 'width' (its "
                                 "parameters: out)"));
}
END_TEST

START_TEST(error_missing_return)
{
    const char *block = tu_errors("block b() { x = relu(in) }\n"
                                  "network n(input = [3, 4, 4]) { return b(in) }\n");
    ck_assert(tu_contains(block, "test.nas:2:39: error: block 'b' ends without 'return'"));

    const char *fn = tu_errors("fn f() { x = 1 }\n"
                               "network n(input = [3, 4, 4]) { return conv(in, f(), k = 1) }\n");
    ck_assert(tu_contains(fn, "error: function 'f' ends without 'return'"));

    const char *net = tu_errors("network n(input = [3, 4, 4]) { x = relu(in) }\n");
    ck_assert(tu_contains(net, "error: network 'n' ends without 'return'"));
}
END_TEST

START_TEST(error_missing_argument)
{
    const char *op = tu_errors("network n(input = [3, 4, 4]) { return conv(in, 8) }\n");
    ck_assert(tu_contains(op, "error: missing argument 'k' of 'conv'"));

    const char *block = tu_errors("block b(out) { return conv(in, out, k = 1) }\n"
                                  "network n(input = [3, 4, 4]) { return b(in) }\n");
    ck_assert(tu_contains(block, "error: missing argument 'out' of block 'b'"));
}
END_TEST

START_TEST(error_unknown_name)
{
    const char *errors = tu_errors("network n(input = [3, 4, 4]) {\n"
                                   "    return cnov(in, 8, k = 1)\n"
                                   "}\n");
    ck_assert(tu_contains(errors, "test.nas:2:12: error: unknown "));
    ck_assert(tu_contains(errors, "'cnov'; did you mean 'conv'?"));
}
END_TEST

START_TEST(error_first_stops)
{
    /* Evaluation stops at the first error: the second bad line is not reported. */
    tu_result r = tu_compile("network n(input = [3, 4, 4]) {\n"
                             "    x = conv(in, 8, k = 9)\n"
                             "    y = conv(x, 2.5, k = 1)\n"
                             "    return y\n"
                             "}\n",
                             NULL);
    ck_assert_ptr_null(r.graph);
    ck_assert_int_eq(r.error_count, 1);
    ck_assert(tu_contains(r.errors, "test.nas:2:9: error: conv 'conv_0': kernel 9x9"));
}
END_TEST

/* ---- features added with computed names, str, ** and --set ---- */

START_TEST(arith_power_python)
{
    /* Python: 2 ** 10 == 1024, -2 ** 2 == -4, 2 ** -1 == 0.5, 3 ** 2 ** 2 == 81 */
    ck_assert_int_eq(tu_channels_of("2 ** 10"), 1024);
    ck_assert_int_eq(tu_channels_of("8 + -2 ** 2"), 4);
    ck_assert_int_eq(tu_channels_of("int(2 ** -1 * 8)"), 4);
    ck_assert_int_eq(tu_channels_of("3 ** 2 ** 2"), 81);
}
END_TEST

START_TEST(builtin_str_float_like_python)
{
    /* Expected strings are CPython 3.11's str() of the same floats. */
    static const char *const cases[][2] = {
        {"10.0", "10.0"}, {"1000.0", "1000.0"}, {"-1e3", "-1000.0"},
        {"1.5e10", "15000000000.0"}, {"1e15", "1000000000000000.0"}, {"1e16", "1e+16"},
        {"1.5e16", "1.5e+16"}, {"0.1", "0.1"}, {"0.0001", "0.0001"}, {"0.00001", "1e-05"},
        {"1.0 / 3", "0.3333333333333333"}, {"123.456", "123.456"}, {"-0.5", "-0.5"},
        {"2.5 * 2", "5.0"}, {"1e22", "1e+22"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* A '.' is not allowed in a layer name, so the error message shows the string. */
        tu_result r = tu_compile(arena_printf("network n(input = [1, 4, 4]) {\n"
                                              "    return relu(in) as (str(%s) + \".\")\n"
                                              "}\n", cases[i][0]), NULL);
        const char *expected = arena_printf("layer name '%s.' may contain", cases[i][1]);
        ck_assert_msg(tu_contains(r.errors, expected), "str(%s): expected %s in:\n%s",
                      cases[i][0], cases[i][1], r.errors);
    }
}
END_TEST

START_TEST(builtin_str_and_concat)
{
    ir_graph *g = tu_build("network n(input = [1, 4, 4]) {\n"
                           "    return conv(in, 2, k = 1) as (\"s\" + str(12) + \"_\" + str(true))\n"
                           "}\n");
    /* str(5.0) is "5.0" in Python, and str(true) follows the language's spelling. */
    ck_assert_int_eq(tu_node(g, "s12_true")->shape.c, 2);
    tu_result r = tu_compile("network n(input = [1, 4, 4]) {\n"
                             "    return conv(in, 2, k = 1) as (\"f\" + str(2.5 * 2) + \".\")\n"
                             "}\n", NULL);
    ck_assert(tu_contains(r.errors, "layer name 'f5.0.' may contain only letters"));
    /* A dot between parts names a layer in a nested scope. */
    g = tu_build("network n(input = [1, 4, 4]) {\n"
                 "    return conv(in, 2, k = 1) as (\"a.b\" + str(3))\n"
                 "}\n");
    ck_assert_int_eq(tu_node(g, "a.b3")->shape.c, 2);
}
END_TEST

START_TEST(naming_computed_in_loop)
{
    ir_graph *g = tu_build("block unit(out) { return conv(in, out, k = 1) as conv1 }\n"
                           "network n(input = [3, 8, 8]) {\n"
                           "    x = in\n"
                           "    repeat i in range(3) {\n"
                           "        x = x | seq as (\"layer\" + str(i + 1)) { unit(4 * (i + 1)) }\n"
                           "        x = relu(x) as (i)\n"
                           "    }\n"
                           "    return x\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "layer1.0.conv1")->shape.c, 4);
    ck_assert_int_eq(tu_node(g, "layer2.0.conv1")->shape.c, 8);
    ck_assert_int_eq(tu_node(g, "layer3.0.conv1")->shape.c, 12);
    ck_assert_int_eq(tu_node(g, "2")->op, IR_RELU);
}
END_TEST

START_TEST(naming_repeated_literal_in_loop)
{
    tu_result r = tu_compile("network n(input = [3, 8, 8]) {\n"
                             "    x = in\n"
                             "    repeat 2 { x = conv(x, 3, k = 1) as c }\n"
                             "    return x\n"
                             "}\n", NULL);
    ck_assert_ptr_null(r.graph);
    ck_assert(tu_contains(r.errors, "layer name 'c' is used twice by this same call"));
}
END_TEST

START_TEST(network_override_parameter)
{
    const char *source = "network n(input = [3, 8, 8], width = 1.0) {\n"
                         "    return conv(in, int(16 * width), k = 1) as c\n"
                         "}\n";
    fe_program *p = fe_load_text("test.nas", source, strlen(source));
    ck_assert_ptr_nonnull(p);
    ptr_vec overrides = {0};
    fe_override *width = fe_parse_override("width=0.5");
    fe_override *input = fe_parse_override("input=[3, 16, 12]");
    ck_assert_ptr_nonnull(width);
    ck_assert_ptr_nonnull(input);
    vec_push(&overrides, width);
    vec_push(&overrides, input);
    ir_graph *g = fe_build_with(p, fe_find_network(p, NULL), &overrides);
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(tu_node(g, "c")->shape.c, 8);
    ck_assert_int_eq(tu_node(g, "c")->shape.h, 16);
    ck_assert_int_eq(tu_node(g, "c")->shape.w, 12);
}
END_TEST

START_TEST(network_override_unknown)
{
    const char *source = "network n(input = [3, 8, 8]) { return in }\n";
    fe_program *p = fe_load_text("test.nas", source, strlen(source));
    ck_assert_ptr_nonnull(p);
    ptr_vec overrides = {0};
    fe_override *o = fe_parse_override("depth=3");
    ck_assert_ptr_nonnull(o);
    vec_push(&overrides, o);
    int before = diag_error_count();
    tu_capture_start();
    ir_graph *g = fe_build_with(p, fe_find_network(p, NULL), &overrides);
    const char *errors = tu_capture_stop();
    ck_assert_ptr_null(g);
    ck_assert_int_eq(diag_error_count(), before + 1);
    ck_assert(tu_contains(errors, "network 'n' has no parameter 'depth'"));
}
END_TEST

START_TEST(network_override_malformed)
{
    tu_capture_start();
    fe_override *o = fe_parse_override("=3");
    const char *errors = tu_capture_stop();
    ck_assert_ptr_null(o);
    ck_assert(tu_contains(errors, "invalid --set '=3'"));
}
END_TEST

START_TEST(warnings_do_not_fail)
{
    tu_result r = tu_compile("network n(input = [3, 8, 8]) {\n"
                             "    x = conv(in, 4, k = 1)\n"
                             "    y = relu(x)\n"
                             "    return x\n"
                             "}\n", NULL);
    ck_assert_ptr_nonnull(r.graph);
    ck_assert_int_eq(r.error_count, 0);
    ck_assert(tu_contains(r.errors, "warning: 1 layer of network 'n' feeds no output"));
}
END_TEST

static Suite *frontend_suite(void)
{
    Suite *s = suite_create("frontend");

    TCase *arith = tcase_create("arithmetic");
    tcase_add_test(arith, arith_true_division);
    tcase_add_test(arith, arith_floor_division);
    tcase_add_test(arith, arith_modulo_sign);
    tcase_add_test(arith, arith_float_floor_python);
    tcase_add_test(arith, arith_power_python);
    tcase_add_test(arith, builtin_str_and_concat);
    tcase_add_test(arith, builtin_str_float_like_python);
    tcase_add_test(arith, arith_int_overflow);
    tcase_add_test(arith, arith_literal_too_large);
    tcase_add_test(arith, arith_division_by_zero);
    tcase_add_test(arith, arith_integral_float_ok);
    tcase_add_test(arith, arith_fractional_rejected);
    tcase_add_test(arith, arith_compare_mixed);
    tcase_add_test(arith, arith_list_concat);
    suite_add_tcase(s, arith);

    TCase *builtin = tcase_create("builtins");
    tcase_add_test(builtin, builtin_min_max);
    tcase_add_test(builtin, builtin_int_truncates);
    tcase_add_test(builtin, builtin_round_half_even);
    tcase_add_test(builtin, builtin_float);
    tcase_add_test(builtin, builtin_len);
    tcase_add_test(builtin, builtin_range);
    suite_add_tcase(s, builtin);

    TCase *calls = tcase_create("calls");
    tcase_add_test(calls, fn_defaults_use_earlier);
    tcase_add_test(calls, fn_make_divisible);
    tcase_add_test(calls, block_defaults_use_in);
    tcase_add_test(calls, block_piped_input);
    tcase_add_test(calls, block_sees_own_frame);
    suite_add_tcase(s, calls);

    TCase *control = tcase_create("control");
    tcase_add_test(control, if_stmt_shares_scope);
    tcase_add_test(control, if_needs_bool);
    tcase_add_test(control, cond_expr_lazy);
    tcase_add_test(control, repeat_count);
    tcase_add_test(control, repeat_negative);
    tcase_add_test(control, repeat_in_list);
    tcase_add_test(control, repeat_in_needs_list);
    tcase_add_test(control, destructure_split);
    tcase_add_test(control, destructure_list_and_block);
    tcase_add_test(control, destructure_mismatch);
    suite_add_tcase(s, control);

    TCase *naming = tcase_create("naming");
    tcase_add_test(naming, naming_explicit_as);
    tcase_add_test(naming, naming_seq_indices);
    tcase_add_test(naming, naming_seq_named_stage);
    tcase_add_test(naming, naming_nested_seq);
    tcase_add_test(naming, naming_block_scope);
    tcase_add_test(naming, naming_nested_blocks);
    tcase_add_test(naming, naming_kind_counters);
    tcase_add_test(naming, naming_unnamed_seq_continues);
    tcase_add_test(naming, naming_duplicate_params);
    tcase_add_test(naming, naming_duplicate_free_ok);
    tcase_add_test(naming, naming_as_needs_layer);
    tcase_add_test(naming, naming_computed_in_loop);
    tcase_add_test(naming, naming_repeated_literal_in_loop);
    suite_add_tcase(s, naming);

    TCase *callable = tcase_create("callables");
    tcase_add_test(callable, callable_op_to_block);
    tcase_add_test(callable, callable_block_value);
    tcase_add_test(callable, callable_function_value);
    tcase_add_test(callable, callable_not_a_stage);
    tcase_add_test(callable, member_in_dims);
    tcase_add_test(callable, member_block_in);
    tcase_add_test(callable, member_unknown);
    tcase_add_test(callable, member_in_outside);
    suite_add_tcase(s, callable);

    TCase *imports = tcase_create("imports");
    tcase_add_unchecked_fixture(imports, import_setup, import_teardown);
    tcase_add_test(imports, import_next_to_file);
    tcase_add_test(imports, import_next_to_importer);
    tcase_add_test(imports, import_nasc_path);
    tcase_add_test(imports, import_once_and_cycle);
    tcase_add_test(imports, import_duplicate_name);
    tcase_add_test(imports, import_missing_file);
    tcase_add_test(imports, import_absolute_path);
    tcase_add_test(imports, import_search_order);
    tcase_add_test(imports, import_error_location);
    tcase_add_test(imports, load_missing_main);
    tcase_add_test(imports, stdlib_dir_built_in);
    tcase_add_test(imports, stdlib_resnet);
    suite_add_tcase(s, imports);

    TCase *networks = tcase_create("networks");
    tcase_add_test(networks, network_select);
    tcase_add_test(networks, network_input_shape);
    tcase_add_test(networks, network_override_parameter);
    tcase_add_test(networks, network_override_unknown);
    tcase_add_test(networks, network_override_malformed);
    tcase_add_test(networks, warnings_do_not_fail);
    suite_add_tcase(s, networks);

    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, error_recursion);
    tcase_add_test(errors, error_unknown_argument);
    tcase_add_test(errors, error_missing_return);
    tcase_add_test(errors, error_missing_argument);
    tcase_add_test(errors, error_unknown_name);
    tcase_add_test(errors, error_first_stops);
    suite_add_tcase(s, errors);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(frontend_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
