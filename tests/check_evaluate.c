/*
 * Check suite of candidate evaluation (search/evaluate.c) and the cache of
 * compiled kernels (codegen/compile.c). Every case builds a tiny network
 * from .nas text, evaluates it in a temporary folder with a temporary
 * cache (mkdtemp), so kernel counts do not depend on earlier runs, and
 * removes both afterwards. The cases run the real clang and the real
 * timing program. The crash and hang cases use the evaluator's test hooks,
 * which replace the network's run function by abort() or an endless loop.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../codegen/codegen.h"
#include "../codegen/compile.h"
#include "../search/evaluate.h"
#include "testutil.h"

/* Three kernels: a 3x3 conv with ReLU, a 1x1 conv, a global average pooling. */
static const char *const tiny_network =
    "network net(input = [3, 8, 8]) {\n"
    "    return relu(conv(in, 4, k = 3, pad = 1)) | conv(6, k = 1) | global_avgpool\n}\n";

/* The same but for the first conv, whose kernel now applies ReLU6. */
static const char *const tiny_network_variant =
    "network net(input = [3, 8, 8]) {\n"
    "    return relu6(conv(in, 4, k = 3, pad = 1)) | conv(6, k = 1) | global_avgpool\n}\n";

static const char *make_temp_dir(const char *role)
{
    char *dir = arena_printf("/tmp/nasc_check_evaluate_%s_XXXXXX", role);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

static void remove_tree(const char *dir)
{
    int status = system(arena_printf("rm -rf '%s'", dir));
    ck_assert_int_eq(status, 0);
}

/* A configuration that times the candidate briefly, with a cache of its own. */
static ev_config timing_config(const char *cache)
{
    ev_config c;
    memset(&c, 0, sizeof c);
    c.cache_dir = cache;
    c.timeout_s = 20;
    c.min_time_s = 0.01;
    c.warmup = 1;
    c.latency = true;
    c.batch = 8;
    c.seed = 1;
    return c;
}

static ev_result evaluate(const ev_config *c, const char *source)
{
    ir_graph *g = tu_build(source);
    const char *dir = make_temp_dir("candidate");
    ev_result r;
    bool ok = ev_evaluate(c, g, dir, &r);
    ck_assert_int_eq(ok, r.status == EV_OK);
    remove_tree(dir);
    return r;
}

static double score_named(const ev_result *r, const char *name)
{
    for (int i = 0; i < r->nscores; i++)
        if (strcmp(r->score_names[i], name) == 0)
            return r->scores[i];
    ck_abort_msg("no score named '%s' among %d", name, r->nscores);
    return NAN;
}

START_TEST(tiny_network_is_timed)
{
    const char *cache = make_temp_dir("cache");
    ev_config c = timing_config(cache);
    ev_result r = evaluate(&c, tiny_network);
    ck_assert_msg(r.status == EV_OK, "status %s: %s", ev_status_name(r.status), r.error);
    ck_assert_str_eq(r.error, "");
    ck_assert_double_gt(r.latency_ms, 0);
    ck_assert_double_ge(r.latency_ms, r.latency_min_ms);
    ck_assert_double_ge(r.latency_iqr_ms, 0);
    ck_assert_int_eq(r.kernels_compiled, 3);
    ck_assert_int_eq(r.kernels_cached, 0);
    ck_assert_double_gt(r.compile_s, 0);
    ck_assert_int_eq(r.nscores, 0);
    remove_tree(cache);
}
END_TEST

START_TEST(same_network_compiles_no_kernel)
{
    const char *cache = make_temp_dir("cache");
    ev_config c = timing_config(cache);
    ev_result first = evaluate(&c, tiny_network);
    ck_assert_msg(first.status == EV_OK, "first: %s", first.error);
    ev_result second = evaluate(&c, tiny_network);
    ck_assert_msg(second.status == EV_OK, "second: %s", second.error);
    ck_assert_int_eq(second.kernels_compiled, 0);
    ck_assert_int_eq(second.kernels_cached, 3);
    ck_assert_double_gt(second.latency_ms, 0);
    remove_tree(cache);
}
END_TEST

START_TEST(one_changed_kernel_compiles_one)
{
    const char *cache = make_temp_dir("cache");
    ev_config c = timing_config(cache);
    ev_result first = evaluate(&c, tiny_network);
    ck_assert_msg(first.status == EV_OK, "first: %s", first.error);
    ev_result variant = evaluate(&c, tiny_network_variant);
    ck_assert_msg(variant.status == EV_OK, "variant: %s", variant.error);
    ck_assert_int_eq(variant.kernels_compiled, 1);
    ck_assert_int_eq(variant.kernels_cached, 2);
    remove_tree(cache);
}
END_TEST

START_TEST(injected_crash_is_crash)
{
    const char *cache = make_temp_dir("cache");
    ev_config c = timing_config(cache);
    c.inject_crash = true;
    ev_result r = evaluate(&c, tiny_network);
    ck_assert_str_eq(ev_status_name(r.status), "crash");
    ck_assert_msg(tu_contains(r.error, "SIGABRT"), "error: %s", r.error);
    ck_assert(isnan(r.latency_ms));
    remove_tree(cache);
}
END_TEST

START_TEST(injected_hang_times_out)
{
    const char *cache = make_temp_dir("cache");
    ev_config c = timing_config(cache);
    c.inject_hang = true;
    c.timeout_s = 1;
    double start = cg_seconds_now();
    ev_result r = evaluate(&c, tiny_network);
    double timing_s = cg_seconds_now() - start - r.compile_s;
    ck_assert_str_eq(ev_status_name(r.status), "timeout");
    ck_assert_msg(tu_contains(r.error, "time limit of 1 s"), "error: %s", r.error);
    ck_assert_double_lt(timing_s, c.timeout_s + 1);
    remove_tree(cache);
}
END_TEST

START_TEST(score_command_prints_42)
{
    const char *cache = make_temp_dir("cache");
    ev_config c = timing_config(cache);
    c.latency = false;
    /* The candidate's folder is $1 of the command: it must contain the generated header. */
    c.score_cmd = "f() { test -f \"$1/net.h\" && echo progress && echo ' 42 '; }; f";
    ev_result r = evaluate(&c, tiny_network);
    ck_assert_msg(r.status == EV_OK, "status %s: %s", ev_status_name(r.status), r.error);
    ck_assert_int_eq(r.nscores, 1);
    ck_assert_double_eq(score_named(&r, "external"), 42);
    ck_assert(isnan(r.latency_ms));
    remove_tree(cache);
}
END_TEST

START_TEST(score_command_exit_3_fails)
{
    const char *cache = make_temp_dir("cache");
    ev_config c = timing_config(cache);
    c.score_cmd = "f() { echo 7; echo 'first line' >&2; echo 'model file missing' >&2; exit 3; }; f";
    ev_result r = evaluate(&c, tiny_network);
    ck_assert_str_eq(ev_status_name(r.status), "score_error");
    ck_assert_msg(tu_contains(r.error, "status 3: model file missing"), "error: %s", r.error);
    ck_assert_int_eq(r.nscores, 0);
    /* The latency was measured before the score command ran. */
    ck_assert_double_gt(r.latency_ms, 0);
    remove_tree(cache);
}
END_TEST

START_TEST(score_command_without_number_fails)
{
    const char *cache = make_temp_dir("cache");
    ev_config c = timing_config(cache);
    c.latency = false;
    c.score_cmd = "f() { echo 42; echo done; }; f";
    ev_result r = evaluate(&c, tiny_network);
    ck_assert_str_eq(ev_status_name(r.status), "score_error");
    ck_assert_msg(tu_contains(r.error, "('done')"), "error: %s", r.error);
    remove_tree(cache);
}
END_TEST

START_TEST(naswot_and_meco_are_scored)
{
    const char *cache = make_temp_dir("cache");
    ev_config c = timing_config(cache);
    c.latency = false;
    c.naswot = true;
    c.meco = true;
    ev_result r = evaluate(&c, tiny_network);
    ck_assert_msg(r.status == EV_OK, "status %s: %s", ev_status_name(r.status), r.error);
    ck_assert_int_eq(r.nscores, 2);
    ck_assert(!isnan(score_named(&r, "naswot")));
    ck_assert(isfinite(score_named(&r, "meco")));
    ck_assert_int_eq(r.kernels_compiled, 3);
    remove_tree(cache);
}
END_TEST

START_TEST(kernel_compile_error_is_reported)
{
    const char *cache = make_temp_dir("cache");
    const char *dir = make_temp_dir("candidate");
    ck_assert_int_eq(system(arena_printf("mkdir '%s/kernels' && printf 'void broken(void) { "
                                         "return 1; }\\n' > '%s/kernels/broken.c'", dir, dir)),
                     0);
    const char *names[] = {"broken"};
    const char *sources[] = {"void broken(void) { return 1; }\n"};
    cg_files files;
    memset(&files, 0, sizeof files);
    files.nkernels = 1;
    files.kernel_names = names;
    files.kernel_sources = sources;
    cg_kernel_objects objects;
    ck_assert(!cg_compile_kernels(&files, dir, cache, 2, 60, &objects));
    ck_assert_msg(tu_contains(objects.error, "error:"), "error: %s", objects.error);
    ck_assert_msg(tu_contains(objects.error, "broken.c"), "error: %s", objects.error);
    ck_assert_int_eq(objects.compiled, 0);
    ck_assert_int_eq(access(objects.objects[0], F_OK), -1);
    remove_tree(dir);
    remove_tree(cache);
}
END_TEST

/* Builds a program from files in dir, runs it on input.bin and returns the output. */
static float *run_program(const char *dir, const char *sources, int64_t count)
{
    int status = system(arena_printf("cd '%s' && cc -std=c99 -O1 -o prog main.c %s -lm && "
                                     "./prog net.weights input.bin output.bin",
                                     dir, sources));
    ck_assert_int_eq(status, 0);
    float *values = arena_alloc(sizeof(float) * (size_t)count);
    FILE *f = fopen(arena_printf("%s/output.bin", dir), "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fread(values, sizeof(float), (size_t)count, f), count);
    fclose(f);
    return values;
}

START_TEST(split_kernels_match_standalone)
{
    ir_graph *g = tu_build(
        "network net(input = [4, 9, 9]) {\n"
        "    a = relu6(conv(in, 8, k = 3, stride = 2, pad = 1) | bn)\n"
        "    b = conv(a, 8, k = 3, pad = 1, groups = 8) | bn | hardswish\n"
        "    return concat(maxpool(a + b, k = 2), avgpool(b, k = 2)) | shuffle(2) | flatten |\n"
        "        linear(10)\n}\n");
    cg_program *p = cg_lower(g);
    cg_plan(p);
    float *weights = cg_weights(p, NULL, 3);
    ck_assert_ptr_nonnull(weights);
    const char *standalone = make_temp_dir("standalone");
    const char *split = make_temp_dir("split");
    cg_options plain_options = {standalone, "check_evaluate", false, false, CG_TARGET_HOST, 1, 0};
    cg_options split_options = {split, "check_evaluate", false, true, CG_TARGET_HOST, 1, 0};
    cg_files plain = cg_render(p, weights, &plain_options);
    cg_files parts = cg_render(p, weights, &split_options);
    ck_assert_int_eq(plain.nkernels, 0);
    ck_assert_int_gt(parts.nkernels, 5);
    ck_assert(cg_write(p, &plain, standalone));
    ck_assert(cg_write(p, &parts, split));

    /* A kernel's unit is free of anything of the network, and NET.c defines no kernel. */
    for (int i = 0; i < parts.nkernels; i++) {
        ck_assert(!tu_contains(parts.kernel_sources[i], "check_evaluate"));
        ck_assert(!tu_contains(parts.kernel_sources[i], "static void"));
        ck_assert(!tu_contains(parts.source, arena_printf("static void %s(",
                                                          parts.kernel_names[i])));
    }

    int64_t input_count = ir_shape_elements(g->nodes[0].shape);
    float *input = arena_alloc(sizeof(float) * (size_t)input_count);
    for (int64_t i = 0; i < input_count; i++)
        input[i] = (float)((i * 37 % 19) - 9) / 4.0f;
    for (int k = 0; k < 2; k++) {
        FILE *f = fopen(arena_printf("%s/input.bin", k ? split : standalone), "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fwrite(input, sizeof(float), (size_t)input_count, f), input_count);
        fclose(f);
    }
    int64_t count = ir_shape_elements(g->nodes[g->outputs[0]].shape);
    float *expected = run_program(standalone, "net.c", count);
    float *actual = run_program(split, "net.c kernels/*.c", count);
    for (int64_t i = 0; i < count; i++)
        ck_assert_msg(expected[i] == actual[i], "output %lld: split %.9g, standalone %.9g",
                      (long long)i, actual[i], expected[i]);
    /* The split folder's Makefile builds the same program. */
    ck_assert_int_eq(system(arena_printf("make -s -C '%s' >/dev/null", split)), 0);
    remove_tree(standalone);
    remove_tree(split);
}
END_TEST

START_TEST(status_names)
{
    ck_assert_str_eq(ev_status_name(EV_OK), "ok");
    ck_assert_str_eq(ev_status_name(EV_COMPILE_ERROR), "compile_error");
    ck_assert_str_eq(ev_status_name(EV_CRASH), "crash");
    ck_assert_str_eq(ev_status_name(EV_TIMEOUT), "timeout");
    ck_assert_str_eq(ev_status_name(EV_SCORE_ERROR), "score_error");
}
END_TEST

static Suite *evaluate_suite(void)
{
    Suite *s = suite_create("evaluate");
    TCase *cases = tcase_create("evaluate");
    /* Each case runs clang, so a loaded machine may need more than Check's default 4 s. */
    tcase_set_timeout(cases, 120);
    tcase_add_test(cases, status_names);
    tcase_add_test(cases, tiny_network_is_timed);
    tcase_add_test(cases, same_network_compiles_no_kernel);
    tcase_add_test(cases, one_changed_kernel_compiles_one);
    tcase_add_test(cases, injected_crash_is_crash);
    tcase_add_test(cases, injected_hang_times_out);
    tcase_add_test(cases, score_command_prints_42);
    tcase_add_test(cases, score_command_exit_3_fails);
    tcase_add_test(cases, score_command_without_number_fails);
    tcase_add_test(cases, naswot_and_meco_are_scored);
    tcase_add_test(cases, kernel_compile_error_is_reported);
    tcase_add_test(cases, split_kernels_match_standalone);
    suite_add_tcase(s, cases);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(evaluate_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
