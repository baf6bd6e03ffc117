/*
 * Tests of search spaces (search/space.c): counting candidates, genotype
 * text round trips, random mutations, determinism by seed, exhaustive
 * enumeration and the isomorphism hash. Spaces are small .nas texts held
 * here, each built to make one property easy to see.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../search/space.h"
#include "testutil.h"

/*
 * A depth choice over blocks with a kernel choice each, a shared op choice
 * on three edges and an input choice. Candidates:
 * depth 1, 2, 3 -> 2 + 4 + 8 kernel combinations = 14; ops 4^3 = 64;
 * inputs C(3, 2) = 3; in all 14 * 64 * 3 = 2,688.
 */
static const char *const mixed =
    "block edge(c, name) {\n"
    "    return in | shared choice(none = zero, skip = identity, conv1 = conv(c, k = 1),\n"
    "                              pool = avgpool(k = 3, stride = 1, pad = 1)) as (name)\n"
    "}\n"
    "network s(input = [4, 8, 8]) {\n"
    "    x = conv(in, 8, k = 3, pad = 1)\n"
    "    repeat choice(1, 2, 3) as depth {\n"
    "        k = choice(1, 3) as kernel\n"
    "        x = conv(x, 8, k = k, pad = k // 2)\n"
    "    }\n"
    "    n1 = edge(x, 8, \"e1_0\")\n"
    "    n2 = edge(x, 8, \"e2_0\") + edge(n1, 8, \"e2_1\")\n"
    "    ins = pick(2, [x, n1, n2]) as inputs\n"
    "    return ins[0] + ins[1]\n"
    "}\n";

/* A cell with a template: three shared edges of five ops, 5^3 = 125 candidates. */
static const char *const cell =
    "block edge(name) {\n"
    "    return in | shared choice(none = zero, skip_connect = identity,\n"
    "        nor_conv_1x1 = seq { relu; conv(in.c, k = 1, bias = false); bn },\n"
    "        nor_conv_3x3 = seq { relu; conv(in.c, k = 3, pad = 1, bias = false); bn },\n"
    "        avg_pool_3x3 = avgpool(k = 3, stride = 1, pad = 1, count_include_pad = false)) as (name)\n"
    "}\n"
    "network c(input = [4, 8, 8]) {\n"
    "    genotype \"|{e1_0}~0|+|{e2_0}~0|{e2_1}~1|\"\n"
    "    x = conv(in, 8, k = 3, pad = 1)\n"
    "    repeat 2 {\n"
    "        n1 = edge(x, \"e1_0\")\n"
    "        x = edge(x, \"e2_0\") + edge(n1, \"e2_1\")\n"
    "    }\n"
    "    return x\n"
    "}\n";

/*
 * An op choice whose one option is a block with a choice of its own:
 * plain relu (1) or a conv block with 3 kernels (3): 4 candidates.
 */
static const char *const nested =
    "block convs() {\n"
    "    return conv(in, 4, k = choice(1, 3, 5) as k, pad = 2)\n"
    "}\n"
    "network nest(input = [4, 8, 8]) {\n"
    "    return in | choice(relu, convs) as op\n"
    "}\n";

static sp_space *open_space(const char *text)
{
    fe_program *p = fe_load_text("space.nas", text, strlen(text));
    ck_assert_msg(p != NULL, "the test space does not parse");
    const ast_decl *net = fe_find_network(p, NULL);
    ck_assert(net != NULL);
    sp_space *s = sp_open(p, net, NULL);
    ck_assert_msg(s != NULL, "sp_open failed");
    return s;
}

START_TEST(size_mixed)
{
    sp_space *s = open_space(mixed);
    ck_assert_str_eq(sp_size_text(s), "2688");
    ck_assert_int_eq(s->npoints, 8);
    ck_assert_double_eq_tol(sp_size_log10(s), 3.42943, 1e-4);
}
END_TEST

START_TEST(size_template_cell)
{
    sp_space *s = open_space(cell);
    ck_assert_str_eq(sp_size_text(s), "125");
    ck_assert_str_eq(s->format, "|{e1_0}~0|+|{e2_0}~0|{e2_1}~1|");
}
END_TEST

START_TEST(size_nested)
{
    sp_space *s = open_space(nested);
    ck_assert_str_eq(sp_size_text(s), "4");
    ck_assert_int_eq(s->npoints, 2);
    ck_assert_int_eq(s->points[1].parent, 0);
    ck_assert_int_eq(s->points[1].parent_option, 1);
}
END_TEST

START_TEST(size_huge_exact)
{
    /* Ten blocks with ten options each and a depth choice: more than 2^64. */
    const char *text =
        "network big(input = [2, 4, 4]) {\n"
        "    x = in\n"
        "    repeat choice(19, 20) as depth {\n"
        "        x = conv(x, 2, k = 1, groups = choice(1, 2) as g) | choice(relu, relu6, identity,\n"
        "            sigmoid, hardswish, hardsigmoid, dropout, a = relu, b = relu6, c = identity) as act\n"
        "    }\n"
        "    return x\n"
        "}\n";
    sp_space *s = open_space(text);
    /* 20^19 + 20^20 = 21 * 20^19 */
    ck_assert_str_eq(sp_size_text(s), "110100480000000000000000000");
}
END_TEST

START_TEST(round_trip)
{
    const char *const spaces[] = {mixed, cell, nested};
    for (int k = 0; k < 3; k++) {
        sp_space *s = open_space(spaces[k]);
        uint64_t rng = 7;
        for (int i = 0; i < 300; i++) {
            arena_mark_t mark = arena_mark();
            sp_genotype *g = sp_random(s, &rng);
            sp_candidate c;
            ck_assert_msg(sp_build(s, g, &rng, &c), "%s", c.error);
            const char *text = sp_format(s, c.genotype);
            const char *error = NULL;
            sp_genotype *back = sp_parse(s, text, &error);
            ck_assert_msg(back != NULL, "%s: %s", text, error);
            sp_candidate again;
            ck_assert_msg(sp_build(s, back, NULL, &again), "%s", again.error);
            ck_assert(sp_genotype_equal(c.genotype, again.genotype));
            ck_assert_str_eq(sp_format(s, again.genotype), text);
            ck_assert_uint_eq(sp_graph_hash(c.graph), sp_graph_hash(again.graph));
            sp_genotype_free(g);
            sp_genotype_free(back);
            sp_genotype_free(c.genotype);
            sp_genotype_free(again.genotype);
            arena_release(mark);
        }
    }
}
END_TEST

START_TEST(parse_errors)
{
    sp_space *s = open_space(mixed);
    const char *error = NULL;
    ck_assert(sp_parse(s, "depth=4", &error) == NULL);
    ck_assert(tu_contains(error, "choice point 'depth' has no option '4' (its options: 1, 2, 3)"));
    ck_assert(sp_parse(s, "dept=1", &error) == NULL);
    ck_assert(tu_contains(error, "no choice point 'dept'"));
    ck_assert(sp_parse(s, "depth", &error) == NULL);
    ck_assert(tu_contains(error, "is not NAME=LABEL"));

    sp_space *c = open_space(cell);
    ck_assert(sp_parse(c, "|none~0|+|none~0|bogus~1|", &error) == NULL);
    ck_assert(tu_contains(error, "'bogus', at character 18 of '|none~0|+|none~0|bogus~1|', is "
                                 "no option of choice point 'e2_1'"));
    ck_assert(sp_parse(c, "|none~0|+|none~0|", &error) == NULL);
    ck_assert(tu_contains(error, "ends where the template goes on with '{e2_1}~1|'"));
    ck_assert(sp_parse(c, "|none~0|-|none~0|none~1|", &error) == NULL);
    ck_assert(tu_contains(error, "has '-' where the template has '+', at character 9"));
    ck_assert(sp_parse(s, "depth=1,depth=2", &error) == NULL);
    ck_assert(tu_contains(error, "choice point 'depth' is given twice"));
    sp_genotype *g = sp_parse(c, "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|", &error);
    ck_assert(g != NULL);
    ck_assert_str_eq(sp_format(c, g), "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|");
    sp_genotype_free(g);
}
END_TEST

/* A genotype that leaves an active point unset is not a candidate. */
START_TEST(missing_decision)
{
    sp_space *s = open_space(mixed);
    const char *error = NULL;
    sp_genotype *g = sp_parse(s, "depth=2,kernel.0=3", &error);
    ck_assert(g != NULL);
    sp_candidate c;
    ck_assert(!sp_build(s, g, NULL, &c));
    ck_assert(tu_contains(c.error, "no option for choice point 'kernel.1'"));
    sp_genotype_free(g);
    sp_genotype_free(c.genotype);
}
END_TEST

START_TEST(mutations_valid)
{
    sp_space *s = open_space(mixed);
    uint64_t rng = 42;
    sp_genotype *parent = NULL;
    sp_candidate c;
    arena_mark_t mark = arena_mark();
    sp_genotype *start = sp_random(s, &rng);
    ck_assert(sp_build(s, start, &rng, &c));
    sp_genotype_free(start);
    parent = c.genotype;
    arena_release(mark);
    for (int i = 0; i < 3000; i++) {
        mark = arena_mark();
        sp_genotype *child = sp_mutate(s, parent, &rng);
        ck_assert(child != NULL);
        /* Exactly one active point of the parent changed. */
        int changed = 0;
        for (int p = 0; p < s->npoints; p++)
            if (parent->option[p] >= 0 && child->option[p] != parent->option[p])
                changed++;
        ck_assert_int_eq(changed, 1);
        sp_candidate m;
        ck_assert_msg(sp_build(s, child, &rng, &m), "%s", m.error);
        ck_assert(!sp_genotype_equal(m.genotype, parent));
        /* Every active point has a valid option. */
        for (int p = 0; p < s->npoints; p++)
            ck_assert(m.genotype->option[p] < s->points[p].noptions);
        sp_genotype_free(child);
        sp_genotype_free(parent);
        parent = m.genotype;
        arena_release(mark);
    }
    sp_genotype_free(parent);
}
END_TEST

START_TEST(determinism)
{
    sp_space *s = open_space(mixed);
    const char *first[50];
    for (int run = 0; run < 2; run++) {
        uint64_t rng = 2026;
        for (int i = 0; i < 50; i++) {
            sp_genotype *g = sp_random(s, &rng);
            sp_candidate c;
            ck_assert(sp_build(s, g, &rng, &c));
            const char *text = sp_format(s, c.genotype);
            if (run == 0)
                first[i] = text;
            else
                ck_assert_str_eq(text, first[i]);
            sp_genotype_free(g);
            sp_genotype_free(c.genotype);
        }
    }
}
END_TEST

START_TEST(enumerate_all)
{
    sp_space *s = open_space(mixed);
    sp_genotype *g = NULL;
    int n = 0;
    const char *first = NULL;
    while (sp_enumerate_next(s, &g)) {
        if (n == 0)
            first = sp_format(s, g);
        n++;
    }
    ck_assert_int_eq(n, 2688);
    ck_assert_str_eq(first, "depth=1,kernel.0=1,e1_0=none,e2_0=none,e2_1=none,inputs=0+1");
}
END_TEST

static uint64_t hash_of(sp_space *s, const char *genotype)
{
    const char *error = NULL;
    sp_genotype *g = sp_parse(s, genotype, &error);
    ck_assert_msg(g != NULL, "%s", error);
    sp_candidate c;
    ck_assert_msg(sp_build(s, g, NULL, &c), "%s", c.error);
    sp_genotype_free(g);
    sp_genotype_free(c.genotype);
    return sp_graph_hash(c.graph);
}

START_TEST(isomorphism)
{
    sp_space *s = open_space(cell);
    /* n1 reaches nothing when its only way out, e2_1, is zero: e1_0 does not matter. */
    ck_assert_uint_eq(hash_of(s, "|nor_conv_1x1~0|+|skip_connect~0|none~1|"),
                      hash_of(s, "|avg_pool_3x3~0|+|skip_connect~0|none~1|"));
    /* x + 0 is x: a zero edge adds nothing. */
    ck_assert_uint_eq(hash_of(s, "|none~0|+|nor_conv_3x3~0|none~1|"),
                      hash_of(s, "|skip_connect~0|+|nor_conv_3x3~0|none~1|"));
    /* Skip then conv equals conv then skip: the sum is unordered. */
    ck_assert_uint_eq(hash_of(s, "|skip_connect~0|+|nor_conv_1x1~0|skip_connect~1|"),
                      hash_of(s, "|skip_connect~0|+|skip_connect~0|nor_conv_1x1~1|"));
    /* Different ops differ. */
    ck_assert_uint_ne(hash_of(s, "|skip_connect~0|+|nor_conv_1x1~0|none~1|"),
                      hash_of(s, "|skip_connect~0|+|nor_conv_3x3~0|none~1|"));
    ck_assert_uint_ne(hash_of(s, "|nor_conv_1x1~0|+|skip_connect~0|skip_connect~1|"),
                      hash_of(s, "|nor_conv_3x3~0|+|skip_connect~0|skip_connect~1|"));

    /* Exhaustively, the 125 candidates fall into fewer classes. */
    sp_genotype *g = NULL;
    uint64_t hashes[125];
    int n = 0, distinct = 0;
    while (sp_enumerate_next(s, &g)) {
        sp_candidate c;
        ck_assert(sp_build(s, g, NULL, &c));
        uint64_t h = sp_graph_hash(c.graph);
        sp_genotype_free(c.genotype);
        bool seen = false;
        for (int i = 0; i < n; i++)
            seen |= hashes[i] == h;
        distinct += !seen;
        hashes[n++] = h;
    }
    ck_assert_int_eq(n, 125);
    ck_assert_int_lt(distinct, 125);
    ck_assert_int_gt(distinct, 50);
}
END_TEST

START_TEST(rng_uniform)
{
    uint64_t rng = 1;
    int counts[3] = {0};
    for (int i = 0; i < 30000; i++)
        counts[sp_rng_below(&rng, 3)]++;
    for (int i = 0; i < 3; i++)
        ck_assert_msg(counts[i] > 9500 && counts[i] < 10500, "option %d drawn %d times", i,
                      counts[i]);
}
END_TEST

static Suite *space_suite(void)
{
    Suite *s = suite_create("space");
    TCase *size = tcase_create("size");
    tcase_add_test(size, size_mixed);
    tcase_add_test(size, size_template_cell);
    tcase_add_test(size, size_nested);
    tcase_add_test(size, size_huge_exact);
    suite_add_tcase(s, size);

    TCase *genotype = tcase_create("genotype");
    tcase_set_timeout(genotype, 120);
    tcase_add_test(genotype, round_trip);
    tcase_add_test(genotype, parse_errors);
    tcase_add_test(genotype, missing_decision);
    tcase_add_test(genotype, mutations_valid);
    tcase_add_test(genotype, determinism);
    tcase_add_test(genotype, enumerate_all);
    tcase_add_test(genotype, isomorphism);
    tcase_add_test(genotype, rng_uniform);
    suite_add_tcase(s, genotype);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(space_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
