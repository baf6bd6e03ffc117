/*
 * Check suite of ir/print_nas.c: a graph written as .nas and built again
 * must be the same graph, node by node, with every attribute equal (floats
 * exactly), and graphs that no .nas call can express are rejected before
 * anything is written. tests/instantiate_check.sh runs the same round trip
 * on every example through the command line.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Writes g as .nas into a string; the writer's error, if any, goes to *error. */
static const char *write_text(const ir_graph *g, const char *comment, const char **error)
{
    char *buffer = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buffer, &size);
    ck_assert_ptr_nonnull(f);
    *error = ir_write_nas(f, g, comment);
    ck_assert_int_eq(fclose(f), 0);
    const char *text = arena_strdup(buffer);
    free(buffer);
    return text;
}

static void assert_same_window(const ir_window *a, const ir_window *b)
{
    ck_assert_int_eq(a->kh, b->kh);
    ck_assert_int_eq(a->kw, b->kw);
    ck_assert_int_eq(a->sh, b->sh);
    ck_assert_int_eq(a->sw, b->sw);
    ck_assert_int_eq(a->ph, b->ph);
    ck_assert_int_eq(a->pw, b->pw);
    ck_assert_int_eq(a->dh, b->dh);
    ck_assert_int_eq(a->dw, b->dw);
}

static void assert_same_attributes(const ir_node *a, const ir_node *b)
{
    switch (a->op) {
    case IR_CONV:
        ck_assert_int_eq(a->attr.conv.out, b->attr.conv.out);
        assert_same_window(&a->attr.conv.win, &b->attr.conv.win);
        ck_assert_int_eq(a->attr.conv.groups, b->attr.conv.groups);
        ck_assert_int_eq(a->attr.conv.bias, b->attr.conv.bias);
        break;
    case IR_LINEAR:
        ck_assert_int_eq(a->attr.linear.out, b->attr.linear.out);
        ck_assert_int_eq(a->attr.linear.bias, b->attr.linear.bias);
        break;
    case IR_BN:
        ck_assert(a->attr.bn.eps == b->attr.bn.eps);
        break;
    case IR_MAXPOOL:
    case IR_AVGPOOL:
        assert_same_window(&a->attr.pool.win, &b->attr.pool.win);
        ck_assert_int_eq(a->attr.pool.ceil_mode, b->attr.pool.ceil_mode);
        ck_assert_int_eq(a->attr.pool.count_include_pad, b->attr.pool.count_include_pad);
        break;
    case IR_SPLIT:
        ck_assert_int_eq(a->attr.split.start, b->attr.split.start);
        ck_assert_int_eq(a->attr.split.channels, b->attr.split.channels);
        break;
    case IR_SHUFFLE:
        ck_assert_int_eq(a->attr.shuffle.groups, b->attr.shuffle.groups);
        break;
    case IR_DROPOUT:
        ck_assert(a->attr.dropout.p == b->attr.dropout.p);
        break;
    case IR_ZERO:
        ck_assert_int_eq(a->attr.zero.stride, b->attr.zero.stride);
        break;
    default:
        break;
    }
}

static void assert_same_graph(const ir_graph *a, const ir_graph *b)
{
    ck_assert_str_eq(a->name, b->name);
    ck_assert_int_eq(a->nnodes, b->nnodes);
    for (int i = 0; i < a->nnodes; i++) {
        const ir_node *x = &a->nodes[i];
        const ir_node *y = &b->nodes[i];
        ck_assert_int_eq(x->op, y->op);
        ck_assert_str_eq(x->name, y->name);
        ck_assert_int_eq(x->shape.c, y->shape.c);
        ck_assert_int_eq(x->shape.h, y->shape.h);
        ck_assert_int_eq(x->shape.w, y->shape.w);
        ck_assert_int_eq(x->ninputs, y->ninputs);
        for (int k = 0; k < x->ninputs; k++)
            ck_assert_int_eq(x->inputs[k], y->inputs[k]);
        assert_same_attributes(x, y);
    }
    ck_assert_int_eq(a->noutputs, b->noutputs);
    for (int k = 0; k < a->noutputs; k++)
        ck_assert_int_eq(a->outputs[k], b->outputs[k]);
}

/* Builds `source`, writes it as .nas, builds that, checks both graphs are equal; returns the text. */
static const char *round_trip(const char *source)
{
    ir_graph *original = tu_build(source);
    const char *error;
    const char *text = write_text(original, NULL, &error);
    ck_assert_ptr_null(error);
    tu_result again = tu_compile(text, NULL);
    ck_assert_msg(again.graph, "the written network does not build:\n%s\n%s", again.errors, text);
    assert_same_graph(original, again.graph);
    return text;
}

START_TEST(every_attribute_round_trips)
{
    round_trip(
        "network attributes(input = [8, 17, 13]) {\n"
        "    a = conv(in, 12, k = [3, 5], stride = [2, 1], pad = [1, 2], dilation = [1, 2],\n"
        "             bias = false)\n"
        "    b = bn(a, eps = 0.001) | bn(eps = 1.0000000000000002e-05) | bn(eps = 4e-320)\n"
        "    c = conv(b, 12, k = 3, pad = 1, groups = 4) | conv(24, k = 1, groups = 12)\n"
        "    p1 = maxpool(c, k = 3, stride = 2, pad = 1, dilation = 2, ceil_mode = true)\n"
        "    p2 = maxpool(c, k = [2, 3])\n"
        "    p3 = avgpool(c, k = 3, stride = [2, 1], pad = 1, ceil_mode = true,\n"
        "                 count_include_pad = false)\n"
        "    p4 = avgpool(c, k = 2, stride = 1)\n"
        "    s1, s2, s3 = split(c, [4, 12, 8])\n"
        "    single = split(c, [24])\n"
        "    sh = shuffle(concat(s3, s1, s2), groups = 3)\n"
        "    scaled = mul(sh, sigmoid(global_avgpool(sh)))\n"
        "    acts = scaled | relu | relu6 | hardswish | hardsigmoid | identity\n"
        "    d = dropout(acts, p = 0.1 + 0.2) | dropout(p = 1.0) | dropout(p = 0.0) | dropout\n"
        "    z = zero(d) + zero(d, stride = 1)\n"
        "    fc = flatten(global_avgpool(z)) | linear(10, bias = false)\n"
        "    return fc, zero(d, stride = 3), p1, p2, p3, p4, single[0]\n"
        "}\n");
}
END_TEST

START_TEST(dotted_names_and_unnamed_layers_round_trip)
{
    const char *text = round_trip(
        "block unit(out) {\n"
        "    return in | seq { conv(out, k = 3, pad = 1, bias = false); bn; relu }\n"
        "}\n"
        "network scopes(input = [3, 8, 8]) {\n"
        "    y = in | seq as features { unit(4); unit(4) }\n"
        "    repeat i in range(2) { y = y | unit(4) as (\"stage\" + str(i)) }\n"
        "    return y | relu, in\n"
        "}\n");
    ck_assert(tu_contains(text, "as (\"features.1.0\")"));
    ck_assert(tu_contains(text, "as (\"stage1.2\")"));
    ck_assert(tu_contains(text, "as (\"relu_0\")"));
    ck_assert(tu_contains(text, "    return t"));
    ck_assert(tu_contains(text, ", in\n}\n"));
}
END_TEST

START_TEST(conv_line_leaves_out_defaults)
{
    const char *text = round_trip("network n(input = [3, 8, 8]) {\n"
                                  "    return conv(in, 64, k = 3, stride = 2, pad = 1, "
                                  "bias = false) as c\n"
                                  "}\n");
    ck_assert(tu_contains(text, "network n(input = [3, 8, 8]) {\n"));
    ck_assert(tu_contains(text, "    t1 = conv(in, 64, k = 3, stride = 2, pad = 1, bias = false) "
                                "as (\"c\")  # 64x4x4\n"));
    ck_assert(tu_contains(text, "    return t1\n}\n"));
}
END_TEST

START_TEST(split_written_as_one_call)
{
    const char *text = round_trip("network n(input = [6, 4, 4]) {\n"
                                  "    a, b = split(in, [2, 4]) as halves\n"
                                  "    c, d = split(in, 2) as halves\n"
                                  "    return concat(b, a, c, d)\n"
                                  "}\n");
    ck_assert(tu_contains(text, "    t1, t2 = split(in, [2, 4]) as (\"halves\")\n"));
    ck_assert(tu_contains(text, "    t3, t4 = split(in, [3, 3]) as (\"halves\")\n"));
    ck_assert_int_eq(tu_count(text, "split("), 2);
}
END_TEST

START_TEST(comment_lines_start_with_hash)
{
    ir_graph *g = tu_build("network n(input = [1, 2, 2]) {\n    return relu(in)\n}\n");
    const char *error;
    const char *text = write_text(g, "genotype: k=3\n\nchosen by search", &error);
    ck_assert_ptr_null(error);
    const char *expected = "# genotype: k=3\n#\n# chosen by search\nnetwork n(";
    ck_assert_msg(strncmp(text, expected, strlen(expected)) == 0, "got:\n%s", text);
}
END_TEST

START_TEST(split_part_alone_is_rejected)
{
    ir_graph *g = tu_build("network n(input = [6, 4, 4]) {\n"
                           "    a, b = split(in, [2, 4]) as halves\n"
                           "    return a, b\n"
                           "}\n");
    g->nodes[2].name = "other.1";
    const char *error;
    const char *text = write_text(g, "comment", &error);
    ck_assert_ptr_nonnull(error);
    ck_assert_msg(tu_contains(error, "node 1 ('halves.0') is not part of a whole split"), "got: %s", error);
    ck_assert_str_eq(text, "");
}
END_TEST

START_TEST(invalid_layer_name_is_rejected)
{
    ir_graph *g = tu_build("network n(input = [1, 2, 2]) {\n    return relu(in) as r\n}\n");
    const char *names[] = {"a..b", ".a", "a.", "a-b", "", "a\"b"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        g->nodes[1].name = names[k];
        const char *error;
        const char *text = write_text(g, NULL, &error);
        ck_assert_msg(error != NULL, "name '%s' was accepted", names[k]);
        ck_assert(tu_contains(error, "is not a dotted name"));
        ck_assert_str_eq(text, "");
    }
}
END_TEST

START_TEST(invalid_network_name_is_rejected)
{
    ir_graph *g = tu_build("network n(input = [1, 2, 2]) {\n    return relu(in)\n}\n");
    g->name = "2net";
    const char *error;
    write_text(g, NULL, &error);
    ck_assert_ptr_nonnull(error);
    ck_assert(tu_contains(error, "network name '2net' is not an identifier"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("print_nas");
    TCase *t = tcase_create("print_nas");
    tcase_add_test(t, every_attribute_round_trips);
    tcase_add_test(t, dotted_names_and_unnamed_layers_round_trip);
    tcase_add_test(t, conv_line_leaves_out_defaults);
    tcase_add_test(t, split_written_as_one_call);
    tcase_add_test(t, comment_lines_start_with_hash);
    tcase_add_test(t, split_part_alone_is_rejected);
    tcase_add_test(t, invalid_layer_name_is_rejected);
    tcase_add_test(t, invalid_network_name_is_rejected);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
