/*
 * Check suite of grammar/: statement separators and the newline rule,
 * operator precedence, conditional expressions, if/else chains, comments
 * and error recovery, all through tu_compile on .nas text.
 */
#include <check.h>
#include <stdlib.h>

#include "testutil.h"

/* Evaluates a boolean .nas expression: 1 for true, 2 for false. */
static int truth_of(const char *condition)
{
    return tu_channels_of(arena_printf("if %s then 1 else 2", condition));
}

enum { TRUE_RESULT = 1, FALSE_RESULT = 2 };

/* The number of nodes of op `op` in g. */
static int count_op(const ir_graph *g, ir_op op)
{
    int n = 0;
    for (int i = 0; i < g->nnodes; i++)
        n += g->nodes[i].op == op;
    return n;
}

/* ---- statements and separators ---- */

START_TEST(stmt_newline_and_semicolon)
{
    ir_graph *g = tu_build("network n(input = [3, 8, 8]) {\n"
                           "    a = relu(in); b = relu(a)\n"
                           "    c = relu(b);\n"
                           "    ;;\n"
                           "    return c;\n"
                           "}\n");
    ck_assert_int_eq(count_op(g, IR_RELU), 3);
    ck_assert_int_eq(g->noutputs, 1);
    ck_assert_int_eq(g->nodes[g->outputs[0]].op, IR_RELU);
}
END_TEST

START_TEST(stmt_one_line_body)
{
    ir_graph *g = tu_build("network n(input = [3, 8, 8]) { a = relu(in); return sigmoid(a) }\n");
    ck_assert_int_eq(g->nnodes, 3);
    ck_assert_int_eq(g->nodes[g->outputs[0]].op, IR_SIGMOID);
}
END_TEST

START_TEST(stmt_missing_separator)
{
    tu_result r = tu_compile("network n(input = [3, 8, 8]) {\n"
                             "    a = relu(in) b = relu(a)\n"
                             "    return b\n"
                             "}\n",
                             NULL);
    ck_assert_ptr_null(r.graph);
    ck_assert_int_eq(r.error_count, 1);
    ck_assert(tu_contains(r.errors, "test.nas:2:18: error: syntax error: unexpected identifier"));
}
END_TEST

START_TEST(stmt_return_several)
{
    ir_graph *g = tu_build("network n(input = [3, 8, 8]) {\n"
                           "    a = relu(in) as a\n"
                           "    return a, sigmoid(a) as b\n"
                           "}\n");
    ck_assert_int_eq(g->noutputs, 2);
    ck_assert_str_eq(g->nodes[g->outputs[0]].name, "a");
    ck_assert_str_eq(g->nodes[g->outputs[1]].name, "b");
}
END_TEST

START_TEST(stmt_trailing_commas)
{
    ir_graph *g = tu_build("fn twice(v,) { return v * 2 }\n"
                           "network n(input = [3, 8, 8,],) {\n"
                           "    return conv(in, twice(4,), k = 1,) as c\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "c")->shape.c, 8);
}
END_TEST

/* ---- the newline rule ---- */

START_TEST(newline_pipe_continues)
{
    ir_graph *g = tu_build("network n(input = [3, 8, 8]) {\n"
                           "    x = in |\n"
                           "        relu |   # a comment after the '|'\n"
                           "        sigmoid\n"
                           "    return x\n"
                           "}\n");
    ck_assert_int_eq(g->nnodes, 3);
    ck_assert_int_eq(g->nodes[1].op, IR_RELU);
    ck_assert_int_eq(g->nodes[2].op, IR_SIGMOID);
    ck_assert_int_eq(g->nodes[2].inputs[0], 1);
}
END_TEST

START_TEST(newline_leading_pipe_ends)
{
    /* The newline after `in` ends the statement, so a line cannot start with '|'. */
    tu_result r = tu_compile("network n(input = [3, 8, 8]) {\n"
                             "    x = in\n"
                             "        | relu\n"
                             "    return x\n"
                             "}\n",
                             NULL);
    ck_assert_ptr_null(r.graph);
    ck_assert(tu_contains(r.errors, "test.nas:3:9: error: a line cannot start with '|': end "
                                    "the previous line with '|' to continue a pipe"));
}
END_TEST

START_TEST(newline_in_parentheses)
{
    ir_graph *g = tu_build("network n(input = [\n"
                           "    3,\n"
                           "    8,\n"
                           "    8\n"
                           "]) {\n"
                           "    x = conv(\n"
                           "        in,\n"
                           "        8,\n"
                           "        k = 3,\n"
                           "        pad = 1\n"
                           "    ) as c\n"
                           "    y = (x\n"
                           "        | relu\n"
                           "        | sigmoid)\n"
                           "    return y\n"
                           "}\n");
    const ir_node *c = tu_node(g, "c");
    ck_assert_int_eq(c->shape.c, 8);
    ck_assert_int_eq(c->shape.h, 8);
    ck_assert_int_eq(g->nnodes, 4);
    ck_assert_int_eq(g->nodes[3].op, IR_SIGMOID);
}
END_TEST

START_TEST(newline_seq_in_parentheses)
{
    /* Braces inside parentheses restore the newline rule for the seq's lines. */
    ir_graph *g = tu_build("network n(input = [3, 8, 8]) {\n"
                           "    y = (in | seq as f {\n"
                           "        relu\n"
                           "        sigmoid\n"
                           "    })\n"
                           "    return y\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "f.0")->op, IR_RELU);
    ck_assert_int_eq(tu_node(g, "f.1")->op, IR_SIGMOID);
}
END_TEST

/* ---- precedence ---- */

START_TEST(prec_mul_over_add)
{
    ck_assert_int_eq(tu_channels_of("1 + 2 * 3"), 7);
    ck_assert_int_eq(tu_channels_of("2 * 3 + 1"), 7);
    ck_assert_int_eq(tu_channels_of("(1 + 2) * 3"), 9);
}
END_TEST

START_TEST(prec_left_assoc)
{
    ck_assert_int_eq(tu_channels_of("10 - 4 - 3"), 3);
    ck_assert_int_eq(tu_channels_of("100 // 10 // 5"), 2);
    ck_assert_int_eq(tu_channels_of("7 - 2 * 3 % 4"), 5);
}
END_TEST

START_TEST(prec_unary_minus)
{
    /* (-2) // 3 is -1, while -(2 // 3) would be 0. */
    ck_assert_int_eq(tu_channels_of("-2 // 3 + 2"), 1);
    ck_assert_int_eq(tu_channels_of("2 - -1"), 3);
    ck_assert_int_eq(tu_channels_of("-3 * -3"), 9);
}
END_TEST

START_TEST(prec_compare_over_arith)
{
    ck_assert_int_eq(truth_of("1 + 1 == 2"), TRUE_RESULT);
    ck_assert_int_eq(truth_of("2 * 3 > 5"), TRUE_RESULT);
    ck_assert_int_eq(truth_of("1 - 1 != 0"), FALSE_RESULT);
}
END_TEST

START_TEST(prec_not_over_compare)
{
    /* This is not (1 == 2), because `(not 1) == 2` would be an error. */
    ck_assert_int_eq(truth_of("not 1 == 2"), TRUE_RESULT);
    /* (not false) and false */
    ck_assert_int_eq(truth_of("not false and false"), FALSE_RESULT);
}
END_TEST

START_TEST(prec_and_over_or)
{
    ck_assert_int_eq(truth_of("true or false and false"), TRUE_RESULT);
    ck_assert_int_eq(truth_of("false and true or true"), TRUE_RESULT);
    ck_assert_int_eq(truth_of("1 < 2 and 3 < 2 or 2 <= 2"), TRUE_RESULT);
    ck_assert_int_eq(truth_of("1 > 2 or 3 > 2 and 2 >= 3"), FALSE_RESULT);
}
END_TEST

/* ---- conditional expressions ---- */

START_TEST(cond_expr_picks_side)
{
    ck_assert_int_eq(tu_channels_of("if true then 3 else 5"), 3);
    ck_assert_int_eq(tu_channels_of("if 1 > 2 then 3 else 5"), 5);
    ck_assert_int_eq(tu_channels_of("if in.c == 1 then 8 else 4"), 8);
}
END_TEST

START_TEST(cond_expr_chain)
{
    ck_assert_int_eq(tu_channels_of("if false then 1 else if false then 2 else 3"), 3);
    ck_assert_int_eq(tu_channels_of("if false then 1 else if true then 2 else 3"), 2);
}
END_TEST

START_TEST(cond_expr_lowest_prec)
{
    /* The else side extends as far as possible: 1, not (if ... else 2) + 10. */
    ck_assert_int_eq(tu_channels_of("if true then 1 else 2 + 10"), 1);
    ck_assert_int_eq(tu_channels_of("if false then 1 else 2 + 10"), 12);
    ck_assert_int_eq(tu_channels_of("2 + (if true then 1 else 5)"), 3);
}
END_TEST

START_TEST(cond_expr_tensor)
{
    ir_graph *g = tu_build("network n(input = [3, 8, 8]) {\n"
                           "    return if in.c > 1 then relu(in) else sigmoid(in)\n"
                           "}\n");
    ck_assert_int_eq(g->nnodes, 2);
    ck_assert_int_eq(g->nodes[1].op, IR_RELU);
}
END_TEST

/* ---- if statements ---- */

static int else_if_result(int mode)
{
    const char *source = arena_printf("network n(input = [3, 8, 8], mode = %d) {\n"
                                      "    if mode == 1 {\n"
                                      "        c = 10\n"
                                      "    } else if mode == 2 {\n"
                                      "        c = 20\n"
                                      "    } else if mode == 3 {\n"
                                      "        c = 30\n"
                                      "    } else {\n"
                                      "        c = 40\n"
                                      "    }\n"
                                      "    return conv(in, c, k = 1) as probe\n"
                                      "}\n",
                                      mode);
    return tu_node(tu_build(source), "probe")->shape.c;
}

START_TEST(if_else_if_chain)
{
    ck_assert_int_eq(else_if_result(1), 10);
    ck_assert_int_eq(else_if_result(2), 20);
    ck_assert_int_eq(else_if_result(3), 30);
    ck_assert_int_eq(else_if_result(4), 40);
}
END_TEST

START_TEST(if_without_else)
{
    ir_graph *g = tu_build("network n(input = [3, 8, 8]) {\n"
                           "    c = 4\n"
                           "    if in.c == 3 { c = 6 }\n"
                           "    if in.c == 4 { c = 9 }\n"
                           "    return conv(in, c, k = 1) as probe\n"
                           "}\n");
    ck_assert_int_eq(tu_node(g, "probe")->shape.c, 6);
}
END_TEST

START_TEST(if_else_next_line)
{
    tu_result r = tu_compile("network n(input = [3, 8, 8]) {\n"
                             "    c = 4\n"
                             "    if in.c == 3 {\n"
                             "        c = 6\n"
                             "    }\n"
                             "    else {\n"
                             "        c = 9\n"
                             "    }\n"
                             "    return conv(in, c, k = 1)\n"
                             "}\n",
                             NULL);
    ck_assert_ptr_null(r.graph);
    ck_assert(tu_contains(r.errors, "test.nas:6:5: error: 'else' must be on the same line as "
                                    "the '}' that closes the 'if' body"));
}
END_TEST

/* ---- error recovery ---- */

START_TEST(recovery_two_errors)
{
    tu_result r = tu_compile("network n(input = [3, 8, 8]) {\n"
                             "    x = conv(in, 8, k = 3 pad = 1)\n"
                             "    y = relu(x)\n"
                             "    z = = relu(y)\n"
                             "    return z\n"
                             "}\n",
                             NULL);
    ck_assert_ptr_null(r.graph);
    ck_assert_int_eq(r.error_count, 2);
    ck_assert_int_eq(tu_count(r.errors, "error: syntax error"), 2);
    ck_assert(tu_contains(r.errors, "test.nas:2:27: error: syntax error: unexpected identifier, "
                                    "expected ')' or ','"));
    ck_assert(tu_contains(r.errors, "test.nas:4:9: error: syntax error: unexpected '='"));
}
END_TEST

START_TEST(recovery_across_decls)
{
    tu_result r = tu_compile("fn f(a b) { return a }\n"
                             "\n"
                             "network n(input = [3, 8, 8]) {\n"
                             "    return relu(in))\n"
                             "}\n",
                             NULL);
    ck_assert_ptr_null(r.graph);
    ck_assert_int_eq(r.error_count, 2);
    ck_assert(tu_contains(r.errors, "test.nas:1:8: error: syntax error: unexpected identifier"));
    ck_assert(tu_contains(r.errors, "test.nas:4:20: error: syntax error: unexpected ')'"));
}
END_TEST

START_TEST(recovery_no_false_note)
{
    /*
     * Every bracket is closed, and the error is the dangling '+'. A note that the
     * network's '{' is not closed would send the reader to the wrong place.
     */
    tu_result r = tu_compile("network n(input = [3, 8, 8]) {\n"
                             "    y = relu(in) +\n"
                             "    return y\n"
                             "}\n",
                             NULL);
    ck_assert_ptr_null(r.graph);
    ck_assert(tu_contains(r.errors, "test.nas:3:5: error: syntax error: unexpected 'return'"));
    ck_assert_msg(!tu_contains(r.errors, "is not closed"), "misleading note:\n%s", r.errors);
}
END_TEST

START_TEST(recovery_unclosed_bracket_note)
{
    tu_result r = tu_compile("network n(input = [3, 8, 8]) {\n"
                             "    y = [1, 2\n"
                             "    return relu(in)\n"
                             "}\n",
                             NULL);
    ck_assert_ptr_null(r.graph);
    ck_assert(tu_contains(r.errors, "test.nas:3:5: error: syntax error: unexpected 'return'"));
    ck_assert(tu_contains(r.errors, "test.nas:2:9: note: the '[' opened here is not closed"));
}
END_TEST

START_TEST(recovery_colon_keyword)
{
    tu_result r = tu_compile("network n(input = [3, 8, 8]) {\n"
                             "    return conv(in, 8, k: 3)\n"
                             "}\n",
                             NULL);
    ck_assert_ptr_null(r.graph);
    ck_assert_int_eq(r.error_count, 1);
    ck_assert(tu_contains(r.errors, "test.nas:2:25: error: keyword arguments use '=', not ':'"));
}
END_TEST

/* ---- comments ---- */

START_TEST(comment_line)
{
    ir_graph *g = tu_build("# a network with one layer\n"
                           "network n(input = [3, 8, 8]) {   # the input is 3x8x8\n"
                           "    # return relu(in)\n"
                           "    return sigmoid(in)  # the only layer\n"
                           "}\n"
                           "# the end, without a final newline");
    ck_assert_int_eq(g->nnodes, 2);
    ck_assert_int_eq(g->nodes[1].op, IR_SIGMOID);
}
END_TEST

START_TEST(comment_block)
{
    ir_graph *g = tu_build("/* a block comment\n"
                           "   over two lines */\n"
                           "network n(input = [3, 8, 8]) {\n"
                           "    x = conv(in, /* channels */ 8, k = 1) as c\n"
                           "    /* x = relu(x)\n"
                           "       return x */\n"
                           "    return x /* # not a line comment */\n"
                           "}\n");
    ck_assert_int_eq(g->nnodes, 2);
    ck_assert_int_eq(tu_node(g, "c")->shape.c, 8);
}
END_TEST

START_TEST(comment_hash_hides_block)
{
    /* '/' '*' inside a line comment opens no block comment. */
    ir_graph *g = tu_build("network n(input = [3, 8, 8]) {\n"
                           "    # /* not a block comment\n"
                           "    return relu(in)\n"
                           "}\n");
    ck_assert_int_eq(g->nnodes, 2);
}
END_TEST

START_TEST(comment_floor_div)
{
    /* `//` is floor division, not a comment. */
    ck_assert_int_eq(tu_channels_of("17 // 2"), 8);
}
END_TEST

START_TEST(comment_no_nesting)
{
    /* Block comments do not nest: the first end marker ends the comment, so `c` is code. */
    tu_result r = tu_compile("/* a /* b */ c */\n"
                             "network n(input = [3, 8, 8]) { return relu(in) }\n",
                             NULL);
    ck_assert_ptr_null(r.graph);
    ck_assert(tu_contains(r.errors, "test.nas:1:14: error: syntax error: unexpected identifier"));
}
END_TEST

START_TEST(comment_unterminated)
{
    tu_result r = tu_compile("network n(input = [3, 8, 8]) {\n"
                             "    return relu(in)\n"
                             "}\n"
                             "/* never closed\n",
                             NULL);
    ck_assert_ptr_null(r.graph);
    ck_assert(tu_contains(r.errors, "test.nas:4:1: error: unterminated comment"));
}
END_TEST

static Suite *grammar_suite(void)
{
    Suite *s = suite_create("grammar");

    TCase *stmt = tcase_create("statements");
    tcase_add_test(stmt, stmt_newline_and_semicolon);
    tcase_add_test(stmt, stmt_one_line_body);
    tcase_add_test(stmt, stmt_missing_separator);
    tcase_add_test(stmt, stmt_return_several);
    tcase_add_test(stmt, stmt_trailing_commas);
    suite_add_tcase(s, stmt);

    TCase *newline = tcase_create("newline");
    tcase_add_test(newline, newline_pipe_continues);
    tcase_add_test(newline, newline_leading_pipe_ends);
    tcase_add_test(newline, newline_in_parentheses);
    tcase_add_test(newline, newline_seq_in_parentheses);
    suite_add_tcase(s, newline);

    TCase *prec = tcase_create("precedence");
    tcase_add_test(prec, prec_mul_over_add);
    tcase_add_test(prec, prec_left_assoc);
    tcase_add_test(prec, prec_unary_minus);
    tcase_add_test(prec, prec_compare_over_arith);
    tcase_add_test(prec, prec_not_over_compare);
    tcase_add_test(prec, prec_and_over_or);
    suite_add_tcase(s, prec);

    TCase *cond = tcase_create("conditional");
    tcase_add_test(cond, cond_expr_picks_side);
    tcase_add_test(cond, cond_expr_chain);
    tcase_add_test(cond, cond_expr_lowest_prec);
    tcase_add_test(cond, cond_expr_tensor);
    tcase_add_test(cond, if_else_if_chain);
    tcase_add_test(cond, if_without_else);
    tcase_add_test(cond, if_else_next_line);
    suite_add_tcase(s, cond);

    TCase *recovery = tcase_create("recovery");
    tcase_add_test(recovery, recovery_two_errors);
    tcase_add_test(recovery, recovery_across_decls);
    tcase_add_test(recovery, recovery_no_false_note);
    tcase_add_test(recovery, recovery_unclosed_bracket_note);
    tcase_add_test(recovery, recovery_colon_keyword);
    suite_add_tcase(s, recovery);

    TCase *comment = tcase_create("comments");
    tcase_add_test(comment, comment_line);
    tcase_add_test(comment, comment_block);
    tcase_add_test(comment, comment_hash_hides_block);
    tcase_add_test(comment, comment_floor_div);
    tcase_add_test(comment, comment_no_nesting);
    tcase_add_test(comment, comment_unterminated);
    suite_add_tcase(s, comment);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(grammar_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
