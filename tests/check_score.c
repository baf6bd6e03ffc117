/*
 * Check suite of the score harness (runtime/score.c, embedded in nasc as
 * runtime_score_source) and of the NASC_PROBE hooks in generated code.
 * Each case builds a tiny network from .nas text, sets its weights by
 * hand, writes its C and the harness into a temporary folder, compiles
 * them with -DNASC_PROBE=score_probe and runs the harness on inputs given
 * as a file. The expected scores are worked out in the comments.
 * tests/score_check.py compares the scores of real networks with PyTorch.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../codegen/codegen.h"
#include "testutil.h"

extern const char runtime_score_source[];

/* Compiler flags of the generated code and harness: C99, no warnings allowed. */
#define STRICT_FLAGS "-std=c99 -O1 -Wall -Wextra -Werror -pedantic"

static void write_text(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    ck_assert_int_eq(fwrite(data, 1, size, f), size);
    ck_assert_int_eq(fclose(f), 0);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *text = arena_alloc(1 << 16);
    size_t got = fread(text, 1, (1 << 16) - 1, f);
    text[got] = '\0';
    fclose(f);
    return text;
}

static void run_command(const char *command)
{
    int status = system(command);
    ck_assert_msg(status == 0, "'%s' failed with status %d", command, status);
}

/* The conv or linear step of the program, which the tests' networks have exactly one of. */
static const cg_step *only_layer(const cg_program *p)
{
    const cg_step *found = NULL;
    for (int t = 0; t < p->nsteps; t++)
        if (!p->steps[t].deleted && (p->steps[t].op == IR_CONV || p->steps[t].op == IR_LINEAR)) {
            ck_assert_msg(found == NULL, "the network has more than one conv or linear step");
            found = &p->steps[t];
        }
    ck_assert_ptr_nonnull(found);
    return found;
}

/*
 * Generates the network's C into a new temporary folder, with the conv's
 * weights and bias replaced by `weights` and `bias` when not NULL, and
 * returns the folder.
 */
static const char *generate(const char *source, const float *weights, const float *bias)
{
    ir_graph *g = tu_build(source);
    cg_program *p = cg_lower(g);
    cg_plan(p);
    float *folded = cg_weights(p, NULL, 1);
    ck_assert_ptr_nonnull(folded);
    if (weights) {
        const cg_step *s = only_layer(p);
        const ir_node *n = &g->nodes[s->layer];
        int64_t count = (int64_t)n->shape.c * g->nodes[n->inputs[0]].shape.c;
        memcpy(folded + s->weight_offset, weights, sizeof(float) * (size_t)count);
        ck_assert_int_ge(s->bias_offset, 0);
        memcpy(folded + s->bias_offset, bias, sizeof(float) * (size_t)n->shape.c);
    }
    char *dir = arena_strdup("/tmp/nasc_check_score_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    cg_options options = {.out_dir = dir, .command_line = "check_score"};
    cg_files files = cg_render(p, folded, &options);
    ck_assert(cg_write(p, &files, dir));
    return dir;
}

/* The harness's JSON output on the network `tiny` in `dir`, for `batch` given inputs. */
static cJSON *score(const char *dir, const float *inputs, int batch, int input_size)
{
    write_text(arena_printf("%s/score.c", dir), runtime_score_source, strlen(runtime_score_source));
    write_text(arena_printf("%s/inputs.bin", dir), inputs, sizeof(float) * (size_t)batch * input_size);
    run_command(arena_printf(
        "cd '%s' && clang " STRICT_FLAGS " -DNASC_PROBE=score_probe -DNASC_NET_RUN=tiny_run "
        "-DNASC_NET_LOAD_WEIGHTS=tiny_load_weights -DNASC_NET_STRERROR=tiny_strerror "
        "-DNASC_NET_INPUT_SIZE=TINY_INPUT_SIZE -DNASC_NET_OUTPUT_SIZE=TINY_OUTPUT_SIZE "
        "-DNASC_NET_WORKSPACE_BYTES=TINY_WORKSPACE_BYTES -include tiny.h score.c tiny.c -o score -lm",
        dir));
    run_command(arena_printf("cd '%s' && ./score tiny.weights %d 7 inputs.bin > score.json", dir,
                             batch));
    const char *text = read_text(arena_printf("%s/score.json", dir));
    run_command(arena_printf("rm -r '%s'", dir));
    cJSON *json = cJSON_Parse(text);
    ck_assert_msg(json != NULL, "the harness printed invalid JSON: %s", text);
    return json;
}

static double number(const cJSON *json, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, name);
    ck_assert_msg(cJSON_IsNumber(item), "\"%s\" is not a number", name);
    return item->valuedouble;
}

static bool is_null(const cJSON *json, const char *name)
{
    return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(json, name));
}

/* A 1x1 conv from 1 to 2 channels with weights 1 and -1: channel 0 is x, channel 1 is -x. */
static const char *const sign_network = "network tiny(input = [1, 1, 2]) {\n"
                                        "    return relu(conv(in, 2, k = 1))\n}\n";
static const float sign_weights[] = {1, -1}, zero_bias[] = {0, 0, 0};

/*
 * Inputs (a, b) give the codes [a > 0, b > 0, a < 0, b < 0] over N_A = 4
 * ReLU units: (1, 2) -> 1100, (1, -2) -> 1001, (-1, -2) -> 0011. The
 * Hamming distances are 2 (inputs 0, 1), 4 (0, 2) and 2 (1, 2), so
 *
 *       | 4 2 0 |
 *   K = | 2 4 2 |,  det K = 4 * (16 - 4) - 2 * (8 - 0) = 32.
 *       | 0 2 4 |
 *
 * MeCo: the one layer has 2 channels of h * w = 2 values, more than
 * h * w - 1, so its smallest eigenvalue is 0.
 */
START_TEST(naswot_three_inputs)
{
    static const float inputs[] = {1, 2, 1, -2, -1, -2};
    const char *dir = generate(sign_network, sign_weights, zero_bias);
    cJSON *json = score(dir, inputs, 3, 2);
    ck_assert_double_eq_tol(number(json, "naswot"), log(32.0), 1e-12);
    ck_assert_double_eq(number(json, "relu_units"), 4);
    ck_assert_double_eq(number(json, "batch"), 3);
    ck_assert_double_eq(number(json, "meco"), 0);
    ck_assert_double_eq(number(json, "meco_layers"), 1);
    cJSON_Delete(json);
}
END_TEST

/* Inputs 0 and 1 have the same code 1100, so K has two equal rows: det K = 0. */
START_TEST(naswot_equal_codes_null)
{
    static const float inputs[] = {1, 2, 3, 0.5f, -1, -2};
    const char *dir = generate(sign_network, sign_weights, zero_bias);
    cJSON *json = score(dir, inputs, 3, 2);
    ck_assert_msg(is_null(json, "naswot"), "naswot is not null for a singular K");
    ck_assert_double_eq(number(json, "relu_units"), 4);
    cJSON_Delete(json);
}
END_TEST

/* One input: K = [N_A] = [4], log 4. */
START_TEST(naswot_batch_one)
{
    static const float inputs[] = {1, -2};
    const char *dir = generate(sign_network, sign_weights, zero_bias);
    cJSON *json = score(dir, inputs, 1, 2);
    ck_assert_double_eq_tol(number(json, "naswot"), log(4.0), 1e-12);
    cJSON_Delete(json);
}
END_TEST

/*
 * An identity 1x1 conv on 2 channels of 3 values, with no ReLU: N_A = 0,
 * so K is all zeros and naswot is null. The channels (1, 2, 3) and
 * (1, 3, 2) centre to (-1, 0, 1) and (-1, 1, 0), of norm sqrt(2) each, so
 * their correlation is 1 / 2 and P = [[1, 1/2], [1/2, 1]], with
 * eigenvalues 1/2 and 3/2: MeCo = 1/2.
 */
START_TEST(meco_two_channels)
{
    static const float identity[] = {1, 0, 0, 1};
    static const float inputs[] = {1, 2, 3, 1, 3, 2};
    const char *dir = generate("network tiny(input = [2, 1, 3]) {\n"
                               "    return conv(in, 2, k = 1)\n}\n", identity, zero_bias);
    cJSON *json = score(dir, inputs, 1, 6);
    ck_assert_double_eq_tol(number(json, "meco"), 0.5, 1e-12);
    ck_assert_double_eq(number(json, "meco_layers"), 1);
    ck_assert_double_eq(number(json, "relu_units"), 0);
    ck_assert_msg(is_null(json, "naswot"), "naswot is not null without ReLU units");
    cJSON_Delete(json);
}
END_TEST

/*
 * An identity 1x1 conv on 3 channels of 4 values: x0 = (1, 0, -1, 0),
 * x1 = (0, 1, 0, -1) and x2 = (2, 0, 0, -2), all of mean 0. Their
 * correlations are 0 (x0, x1) and 2 / (sqrt(2) sqrt(8)) = 1/2 (x0 or x1
 * with x2). P = [[1, 0, 1/2], [0, 1, 1/2], [1/2, 1/2, 1]] has the
 * eigenvalue 1 for (1, -1, 0), and on the span of (1, 1, 0) / sqrt(2)
 * and (0, 0, 1) it acts as [[1, 1/sqrt(2)], [1/sqrt(2), 1]], with
 * eigenvalues 1 +- 1/sqrt(2). MeCo = 1 - 1/sqrt(2).
 */
START_TEST(meco_three_channels)
{
    static const float identity[] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    static const float inputs[] = {1, 0, -1, 0, 0, 1, 0, -1, 2, 0, 0, -2};
    const char *dir = generate("network tiny(input = [3, 1, 4]) {\n"
                               "    return conv(in, 3, k = 1)\n}\n", identity, zero_bias);
    cJSON *json = score(dir, inputs, 1, 12);
    ck_assert_double_eq_tol(number(json, "meco"), 1 - 1 / sqrt(2.0), 1e-12);
    cJSON_Delete(json);
}
END_TEST

/* A constant channel (bias only, weight 0) gives P a zero row once NaN is set to 0: MeCo = 0. */
START_TEST(meco_constant_channel_zero)
{
    static const float weights[] = {1, 0};
    static const float bias[] = {0, 5};
    static const float inputs[] = {1, 2, 4};
    const char *dir = generate("network tiny(input = [1, 1, 3]) {\n"
                               "    return conv(in, 2, k = 1)\n}\n", weights, bias);
    cJSON *json = score(dir, inputs, 1, 3);
    ck_assert_double_eq(number(json, "meco"), 0);
    cJSON_Delete(json);
}
END_TEST

/* The hook used by probe_calls_per_step: one line per call. */
static const char probe_printer[] =
    "#include <stdio.h>\n"
    "#include \"tiny.h\"\n"
    "void print_probe(int step, int kind, const float *data, const int *channels, int c,\n"
    "                 int h, int w)\n"
    "{\n"
    "    (void)data;\n"
    "    printf(\"%d %d %s %d %d %d\\n\", step, kind, channels ? \"map\" : \"-\", c, h, w);\n"
    "}\n"
    "int main(void)\n"
    "{\n"
    "    static float input[TINY_INPUT_SIZE], output[TINY_OUTPUT_SIZE];\n"
    "    static char workspace[TINY_WORKSPACE_BYTES];\n"
    "    tiny_run(input, output, workspace);\n"
    "    return 0;\n"
    "}\n";

/*
 * The hook's kinds: relu and relu6, fused or not, set NASC_PROBE_RELU (1),
 * hardswish does not; conv and linear steps set NASC_PROBE_LAYER (2). The
 * conv writing into the shuffled concat gets a channel map. The generated
 * C compiles without warnings with and without the macro, with gcc and
 * clang.
 */
START_TEST(probe_calls_per_step)
{
    const char *dir = generate("network tiny(input = [4, 3, 3]) {\n"
                               "    x = conv(in, 4, k = 1) | relu6\n"
                               "    a, b = split(x, 2)\n"
                               "    x = concat(a, relu(conv(b, 2, k = 1))) | shuffle(2)\n"
                               "    x = hardswish(x * x)\n"
                               "    return relu(x) | flatten | linear(3)\n}\n",
                               NULL, NULL);
    write_text(arena_printf("%s/probe.c", dir), probe_printer, strlen(probe_printer));
    const char *compilers[] = {"gcc", "clang"};
    for (int i = 0; i < 2; i++) {
        run_command(arena_printf("cd '%s' && %s " STRICT_FLAGS " -c tiny.c -o plain.o", dir,
                                 compilers[i]));
        run_command(arena_printf("cd '%s' && %s " STRICT_FLAGS " -DNASC_PROBE=print_probe "
                                 "probe.c tiny.c -o probe -lm && ./probe > probe.txt",
                                 dir, compilers[i]));
    }
    const char *lines = read_text(arena_printf("%s/probe.txt", dir));
    run_command(arena_printf("rm -r '%s'", dir));
    ck_assert_msg(tu_contains(lines, " 3 - 4 3 3\n"), "conv + relu6: %s", lines);
    ck_assert_msg(tu_contains(lines, " 3 map 2 3 3\n"), "shuffled conv + relu: %s", lines);
    ck_assert_msg(tu_contains(lines, " 0 - 4 3 3\n"), "hardswish or concat: %s", lines);
    ck_assert_msg(tu_contains(lines, " 1 - 4 3 3\n"), "standalone relu: %s", lines);
    ck_assert_msg(tu_contains(lines, " 2 - 3 1 1\n"), "linear: %s", lines);
}
END_TEST

static Suite *score_suite(void)
{
    Suite *s = suite_create("score");
    TCase *naswot = tcase_create("naswot");
    TCase *meco = tcase_create("meco");
    TCase *probe = tcase_create("probe");
    /* Each case runs the C compiler, so a loaded machine may need more than Check's default 4 s. */
    tcase_set_timeout(naswot, 60);
    tcase_set_timeout(meco, 60);
    tcase_set_timeout(probe, 60);
    tcase_add_test(naswot, naswot_three_inputs);
    tcase_add_test(naswot, naswot_equal_codes_null);
    tcase_add_test(naswot, naswot_batch_one);
    tcase_add_test(meco, meco_two_channels);
    tcase_add_test(meco, meco_three_channels);
    tcase_add_test(meco, meco_constant_channel_zero);
    tcase_add_test(probe, probe_calls_per_step);
    suite_add_tcase(s, naswot);
    suite_add_tcase(s, meco);
    suite_add_tcase(s, probe);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(score_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
