/*
 * Measuring one candidate (see evaluate.h).
 *
 * The candidate's folder receives its generated C with split kernels
 * (NET.h, NET.c, kernels/NAME.c, NET.weights with weights drawn from the
 * seed, main.c and a Makefile), then the timing program and the outputs of
 * the children. Kernel objects come from the cache of codegen/compile.c,
 * so a candidate recompiles only the kernels that no earlier candidate
 * had. NET.c, the run function and the weight loader, is compiled for
 * every candidate and linked with runtime/bench.c and the kernel objects.
 *
 * Every child (clang, the timing program, the score command) writes its
 * stdout and stderr to files in the candidate's folder. The outputs of a
 * failed child stay there for inspection. The score command runs in a
 * process group of its own, so that a timeout kills whatever it started,
 * but then the terminal's Ctrl-C does not reach it. The timing and score
 * programs start nothing, so they stay in nasc's group and get Ctrl-C.
 */
#include "evaluate.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../codegen/codegen.h"
#include "../codegen/compile.h"

extern const char runtime_bench_source[];
extern const char runtime_score_source[];

const char *ev_status_name(ev_status s)
{
    switch (s) {
    case EV_OK: return "ok";
    case EV_COMPILE_ERROR: return "compile_error";
    case EV_CRASH: return "crash";
    case EV_TIMEOUT: return "timeout";
    case EV_SCORE_ERROR: return "score_error";
    }
    return "unknown";
}

/* Sets the status and the one-line error; returns false for the caller to return. */
static bool fail(ev_result *out, ev_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(ev_result *out, ev_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->error, sizeof out->error, fmt, ap);
    va_end(ap);
    for (char *c = out->error; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    out->status = status;
    return false;
}

/* The C name of a signal that kills programs, else its number. */
static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGABRT: return "SIGABRT";
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGTRAP: return "SIGTRAP";
    case SIGPIPE: return "SIGPIPE";
    case SIGXCPU: return "SIGXCPU";
    default: return arena_printf("signal %d", sig);
    }
}

/* Reads a whole file into the arena; NULL when it cannot be read. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *memory = open_memstream(&text, &size);
    char chunk[4096];
    size_t got;
    while (memory && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, got, memory);
    fclose(f);
    if (!memory)
        return NULL;
    fclose(memory);
    char *copy = arena_strndup(text, size);
    free(text);
    return copy;
}

/* The last non-empty line of a text, without its newline; "" when there is none. */
static const char *last_line(const char *text)
{
    if (!text)
        return "";
    const char *end = text + strlen(text);
    while (end > text && isspace((unsigned char)end[-1]))
        end--;
    const char *start = end;
    while (start > text && start[-1] != '\n')
        start--;
    return arena_strndup(start, (size_t)(end - start));
}

static bool write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

/* A stand-in for the network's run function, for the inject_crash and inject_hang hooks. */
static const char inject_source[] =
    "/* Replaces the network's run function in the timing program: a test hook. */\n"
    "#include <stdlib.h>\n\n"
    "void ev_injected_run(const float *input, float *output, void *workspace);\n\n"
    "void ev_injected_run(const float *input, float *output, void *workspace)\n{\n"
    "    (void)input;\n    (void)output;\n    (void)workspace;\n"
    "#ifdef EV_INJECT_CRASH\n"
    "    abort();\n"
    "#else\n"
    "    for (volatile int forever = 1; forever;)\n"
    "        continue;\n"
    "#endif\n}\n";

/* What a candidate's programs are built from. */
typedef struct {
    const ev_config *config;
    const char *dir;
    const char *net;
    int nkernels;
    cg_kernel_objects kernels;
} candidate;

static double compile_timeout(const ev_config *c)
{
    return c->compile_timeout_s > 0 ? c->compile_timeout_s : 0;
}

/*
 * Links a harness (runtime/bench.c or runtime/score.c, written to
 * DIR/harness_name) with NET.c and the kernel objects into DIR/binary_name.
 * extra_flags (NULL-terminated) are added before the sources, extra_source
 * after them unless NULL. Returns the binary's path, or NULL after fail().
 */
static const char *link_program(candidate *cand, ev_result *out, const char *harness_name,
                                const char *harness_source, const char *binary_name,
                                const char *const *extra_flags, const char *extra_source)
{
    const char *dir = cand->dir, *net = cand->net;
    const char *NET = cg_macro_prefix(net);
    const char *harness = arena_printf("%s/%s", dir, harness_name);
    if (!write_text(harness, harness_source)) {
        fail(out, EV_COMPILE_ERROR, "cannot write '%s': %s", harness, strerror(errno));
        return NULL;
    }
    const char *binary = arena_printf("%s/%s", dir, binary_name);
    const char *tmp = arena_printf("%s.tmp.%ld", binary, (long)getpid());

    ptr_vec args = {0};
    cg_push_compiler(&args, cand->config->target);
    vec_push(&args, "-o");
    vec_push(&args, (void *)tmp);
    bool has_run = false;
    for (int i = 0; extra_flags && extra_flags[i]; i++) {
        vec_push(&args, (void *)extra_flags[i]);
        has_run = has_run || strncmp(extra_flags[i], "-DNASC_NET_RUN=", strlen("-DNASC_NET_RUN=")) == 0;
    }
    if (!has_run)
        vec_push(&args, arena_printf("-DNASC_NET_RUN=%s_run", net));
    vec_push(&args, arena_printf("-DNASC_NET_LOAD_WEIGHTS=%s_load_weights", net));
    vec_push(&args, arena_printf("-DNASC_NET_STRERROR=%s_strerror", net));
    vec_push(&args, arena_printf("-DNASC_NET_INPUT_SIZE=%s_INPUT_SIZE", NET));
    vec_push(&args, arena_printf("-DNASC_NET_OUTPUT_SIZE=%s_OUTPUT_SIZE", NET));
    vec_push(&args, arena_printf("-DNASC_NET_WORKSPACE_BYTES=%s_WORKSPACE_BYTES", NET));
    vec_push(&args, "-include");
    vec_push(&args, arena_printf("%s/%s.h", dir, net));
    vec_push(&args, (void *)harness);
    vec_push(&args, arena_printf("%s/%s.c", dir, net));
    if (extra_source)
        vec_push(&args, (void *)extra_source);
    for (int k = 0; k < cand->nkernels; k++)
        vec_push(&args, (void *)cand->kernels.objects[k]);
    vec_push(&args, "-lm");
    if (cand->config->threads > 1)
        vec_push(&args, "-pthread");
    vec_push(&args, NULL);

    const char *err_path = arena_printf("%s.err", binary);
    cg_spawn_options o = {NULL, err_path, compile_timeout(cand->config), false};
    double start = cg_seconds_now();
    cg_spawn_result r = cg_spawn((char *const *)args.items, &o);
    out->compile_s += cg_seconds_now() - start;

    if (r.outcome == CG_EXITED && r.code == 0 && rename(tmp, binary) == 0) {
        remove(err_path);
        return binary;
    }
    remove(tmp);
    char line[400];
    cg_first_error_line(err_path, line, sizeof line);
    if (r.outcome == CG_START_FAILED)
        fail(out, EV_COMPILE_ERROR, "cannot start %s: %s", CG_COMPILER, strerror(r.code));
    else if (r.outcome == CG_TIMED_OUT)
        fail(out, EV_COMPILE_ERROR, "clang timed out after %g s on %s.c", o.timeout_s, net);
    else if (line[0])
        fail(out, EV_COMPILE_ERROR, "%s", line);
    else
        fail(out, EV_COMPILE_ERROR, "compiling '%s' failed", binary);
    return NULL;
}

/* Explains a child that did not exit with status 0; false after fail(). */
static bool child_failed(ev_result *out, const char *what, cg_spawn_result r, double timeout_s,
                         const char *stderr_path)
{
    const char *detail = last_line(read_text(stderr_path));
    const char *separator = detail[0] ? ": " : "";
    switch (r.outcome) {
    case CG_TIMED_OUT:
        return fail(out, EV_TIMEOUT, "%s exceeded the time limit of %g s", what, timeout_s);
    case CG_SIGNALED:
        return fail(out, EV_CRASH, "%s was killed by %s%s%s", what, signal_name(r.code),
                    separator, detail);
    case CG_EXITED:
        return fail(out, EV_CRASH, "%s exited with status %d%s%s", what, r.code, separator,
                    detail);
    case CG_START_FAILED:
        return fail(out, EV_CRASH, "cannot start %s: %s", what, strerror(r.code));
    case CG_WAIT_FAILED:
        return fail(out, EV_CRASH, "waiting for %s failed: %s", what, strerror(r.code));
    }
    NASC_UNREACHABLE();
}

/* Builds and runs the timing program; fills the latencies. */
static bool time_candidate(candidate *cand, ev_result *out)
{
    const ev_config *c = cand->config;
    const char *inject_flags[] = {"-DNASC_NET_RUN=ev_injected_run",
                                  c->inject_crash ? "-DEV_INJECT_CRASH" : "-DEV_INJECT_HANG",
                                  NULL};
    bool inject = c->inject_crash || c->inject_hang;
    const char *inject_path = arena_printf("%s/inject.c", cand->dir);
    if (inject && !write_text(inject_path, inject_source))
        return fail(out, EV_COMPILE_ERROR, "cannot write '%s': %s", inject_path, strerror(errno));
    const char *binary = link_program(cand, out, "bench.c", runtime_bench_source,
                                      arena_printf("%s-bench", cand->net),
                                      inject ? inject_flags : NULL, inject ? inject_path : NULL);
    if (!binary)
        return false;

    const char *result_path = arena_printf("%s/bench.json", cand->dir);
    const char *err_path = arena_printf("%s/bench.err", cand->dir);
    char *argv[] = {(char *)binary, (char *)arena_printf("%s/%s.weights", cand->dir, cand->net),
                    (char *)arena_printf("%g", c->min_time_s > 0 ? c->min_time_s : 0),
                    (char *)arena_printf("%d", c->warmup > 0 ? c->warmup : 0), NULL};
    cg_spawn_options o = {result_path, err_path, c->timeout_s, false};
    cg_spawn_result r = cg_spawn(argv, &o);
    if (r.outcome != CG_EXITED || r.code != 0)
        return child_failed(out, "the timing program", r, c->timeout_s, err_path);

    const char *text = read_text(result_path);
    double median, minimum, q1, q3, iqr;
    int runs;
    if (!text || sscanf(text, "{\"runs\": %d, \"median_ms\": %lf, \"min_ms\": %lf, \"q1_ms\": %lf, "
                              "\"q3_ms\": %lf, \"iqr_ms\": %lf}",
                        &runs, &median, &minimum, &q1, &q3, &iqr) != 6)
        return fail(out, EV_CRASH, "unexpected output of the timing program: %s",
                    text ? last_line(text) : "none");
    out->latency_ms = median;
    out->latency_iqr_ms = iqr;
    out->latency_min_ms = minimum;
    remove(err_path);
    return true;
}

static void add_score(ev_result *out, const char *name, double value)
{
    NASC_ASSERT(out->nscores < EV_MAX_SCORES);
    out->score_names[out->nscores] = name;
    out->scores[out->nscores++] = value;
}

/*
 * Computes NASWOT and MeCo with the candidate's own code: runtime/score.c
 * linked with NET.c compiled with -DNASC_PROBE=score_probe, run as
 * `PROGRAM WEIGHTS BATCH SEED`, prints one JSON object with the numbers
 * "naswot" and "meco". A null "naswot" (a singular kernel matrix) is
 * recorded as minus infinity.
 */
static bool score_candidate(candidate *cand, ev_result *out)
{
    const ev_config *c = cand->config;
    const char *probe_flags[] = {"-DNASC_PROBE=score_probe", NULL};
    const char *binary = link_program(cand, out, "score.c", runtime_score_source,
                                      arena_printf("%s-score", cand->net), probe_flags, NULL);
    if (!binary)
        return false;

    const char *result_path = arena_printf("%s/score.json", cand->dir);
    const char *err_path = arena_printf("%s/score.err", cand->dir);
    char *argv[] = {(char *)binary, (char *)arena_printf("%s/%s.weights", cand->dir, cand->net),
                    (char *)arena_printf("%d", c->batch > 0 ? c->batch : 1),
                    (char *)arena_printf("%llu", (unsigned long long)c->seed), NULL};
    cg_spawn_options o = {result_path, err_path, c->timeout_s, false};
    cg_spawn_result r = cg_spawn(argv, &o);
    if (r.outcome != CG_EXITED || r.code != 0)
        return child_failed(out, "the score program", r, c->timeout_s, err_path);

    const char *text = read_text(result_path);
    cJSON *json = text ? cJSON_Parse(text) : NULL;
    const char *names[] = {"naswot", "meco"};
    bool wanted[] = {c->naswot, c->meco};
    bool ok = true;
    for (int i = 0; i < 2 && ok; i++) {
        if (!wanted[i])
            continue;
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(json, names[i]);
        bool singular = i == 0 && cJSON_IsNull(value);
        ok = cJSON_IsNumber(value) || singular;
        if (ok)
            add_score(out, names[i], singular ? -INFINITY : value->valuedouble);
    }
    cJSON_Delete(json);
    if (!ok)
        return fail(out, EV_SCORE_ERROR, "unexpected output of the score program: %s",
                    text ? last_line(text) : "none");
    remove(err_path);
    return true;
}

/* Runs the external score command with the candidate's folder as $1; its last line is the score. */
static bool run_score_command(const ev_config *c, const char *dir, ev_result *out)
{
    const char *out_path = arena_printf("%s/score_cmd.out", dir);
    const char *err_path = arena_printf("%s/score_cmd.err", dir);
    char *argv[] = {"/bin/sh", "-c", (char *)arena_printf("%s \"$1\"", c->score_cmd), "nasc",
                    (char *)dir, NULL};
    cg_spawn_options o = {out_path, err_path, c->timeout_s, true};
    cg_spawn_result r = cg_spawn(argv, &o);
    if (r.outcome == CG_TIMED_OUT)
        return fail(out, EV_TIMEOUT, "the score command exceeded the time limit of %g s",
                    c->timeout_s);
    const char *detail = last_line(read_text(err_path));
    const char *separator = detail[0] ? ": " : "";
    if (r.outcome == CG_START_FAILED)
        return fail(out, EV_SCORE_ERROR, "cannot start /bin/sh: %s", strerror(r.code));
    if (r.outcome == CG_SIGNALED)
        return fail(out, EV_SCORE_ERROR, "the score command was killed by %s%s%s",
                    signal_name(r.code), separator, detail);
    if (r.outcome != CG_EXITED || r.code != 0)
        return fail(out, EV_SCORE_ERROR, "the score command exited with status %d%s%s", r.code,
                    separator, detail);

    const char *line = last_line(read_text(out_path));
    char *end;
    errno = 0;
    double value = strtod(line, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (line[0] == '\0' || *end || errno == ERANGE || !isfinite(value))
        return fail(out, EV_SCORE_ERROR, "the score command printed no number on its last line "
                    "('%s')%s%s", line, separator, detail);
    add_score(out, "external", value);
    return true;
}

static int online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

bool ev_evaluate(const ev_config *c, const ir_graph *g, const char *dir, ev_result *out)
{
    memset(out, 0, sizeof *out);
    out->status = EV_OK;
    out->latency_ms = out->latency_iqr_ms = out->latency_min_ms = NAN;

    cg_program *p = cg_lower(g);
    cg_plan(p);
    float *weights = cg_weights(p, NULL, c->seed);
    if (!weights)
        return fail(out, EV_COMPILE_ERROR, "cannot generate the weights of '%s'", g->name);
    cg_options co = {.out_dir = dir, .command_line = "nasc (candidate evaluation)",
                     .embed_weights = false, .split_kernels = true, .target = c->target,
                     .threads = c->threads};
    cg_files files = cg_render(p, weights, &co);
    if (!cg_write(p, &files, dir))
        return fail(out, EV_COMPILE_ERROR, "cannot write the generated C to '%s'", dir);

    if (!c->latency && !c->naswot && !c->meco)
        return c->score_cmd ? run_score_command(c, dir, out) : true;

    candidate cand = {c, dir, g->name, files.nkernels, {0}};
    const char *cache = c->cache_dir ? c->cache_dir : cg_cache_dir();
    int jobs = c->compile_jobs > 0 ? c->compile_jobs : online_cpus();
    bool compiled = cg_compile_kernels(&files, dir, cache, jobs, compile_timeout(c), &cand.kernels);
    out->kernels_compiled = cand.kernels.compiled;
    out->kernels_cached = cand.kernels.cached;
    out->compile_s = cand.kernels.compile_s;
    if (!compiled)
        return fail(out, EV_COMPILE_ERROR, "%s", cand.kernels.error);

    if (c->latency && !time_candidate(&cand, out))
        return false;
    if ((c->naswot || c->meco) && !score_candidate(&cand, out))
        return false;
    if (c->score_cmd && !run_score_command(c, dir, out))
        return false;
    return true;
}
