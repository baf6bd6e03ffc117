/*
 * nasc: the command-line driver.
 *
 * The pipeline, in order (compile() below runs it):
 *
 *   1. load    grammar/ + frontend/load.c: read the file and its imports,
 *              check the encoding, parse each into an AST
 *   2. build   frontend/eval.c: evaluate the chosen network's body, which
 *              adds IR nodes with inferred and checked shapes
 *   3. verify  ir/verify.c: check every IR invariant (a failure is a bug)
 *   4. report  ir/print.c, ir/cost.c: the IR dump, the per-layer table, JSON
 *   5. codegen codegen/: lower (fold batch norm, fuse activations, views),
 *              plan the workspace, lay out the weights, emit C (nasc build);
 *              nasc run also compiles it with clang and runs it
 *
 * Exit status: 0 on success, 1 when the input has errors, 2 on a usage
 * error.
 */
#include <ctype.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen.h"
#include "frontend/frontend.h"
#include "ir/ir.h"

enum { EXIT_INPUT_ERROR = 1, EXIT_USAGE = 2 };

typedef struct {
    const char *name;
    const char *summary;
    const char *usage;
    const char *details;
} command_help;

static const command_help commands[] = {
    {"check", "check a .nas file and report its errors",
     "nasc check FILE",
     "Parses FILE and its imports and builds every network it declares, with\n"
     "shape inference, without printing anything on success. Syntax errors are\n"
     "reported all at once; evaluating a network stops at its first error.\n"},
    {"info", "print each layer's name, op, output shape, params and MACs, and totals",
     "nasc info FILE [--network NAME] [--set NAME=VALUE ...] [--json]",
     "Prints one line per layer, then params, MACs, the size of all\n"
     "activations and the peak live activation memory under a liveness plan.\n"
     "\n"
     "  --network NAME  the network to report, when FILE declares several\n"
     "  --set NAME=VALUE\n"
     "                  replace the default of a network parameter; VALUE is a\n"
     "                  .nas expression: --set width=0.75, --set input=[3,160,160]\n"
     "  --json          print one JSON object: network, input, outputs, params,\n"
     "                  macs, activation_bytes, peak_activation_bytes, layers\n"
     "                  (id, name, op, shape, params, macs, inputs, input_ids) and\n"
     "                  tensors (state_dict name, shape, parameter or buffer);\n"
     "                  ids number the graph's nodes, 0 being the input, because\n"
     "                  layers without parameters may share a name\n"},
    {"ir", "print the IR graph of a network",
     "nasc ir FILE [--network NAME] [--set NAME=VALUE ...]",
     "Prints the graph one node a line: its inputs, attributes, output shape\n"
     "and layer name.\n"
     "\n"
     "  --network NAME  the network to print, when FILE declares several\n"
     "  --set NAME=VALUE\n"
     "                  replace the default of a network parameter (see 'help info')\n"},
    {"build", "generate standalone C for a network",
     "nasc build FILE [-o DIR] [--weights W.safetensors] [--embed-weights] [--seed N]\n"
     "                 [--network NAME] [--set NAME=VALUE ...]",
     "Writes into DIR (default: the network's name): NET.h and NET.c, the network as\n"
     "C99 with every shape a constant; NET.weights unless --embed-weights puts the\n"
     "weights in NET.c; main.c, an example program; and a Makefile.\n"
     "\n"
     "  -o DIR           the output folder, created if missing\n"
     "  --weights W      load weights by state_dict name from a safetensors file\n"
     "                   (tools/export_torch.py writes one from PyTorch)\n"
     "  --seed N         without --weights, pseudo-random weights from seed N (default 0)\n"
     "  --embed-weights  put the weights in NET.c as a const array\n"},
    {"run", "build a network with clang and run it on an input file",
     "nasc run FILE --input IN --output OUT [--weights W.safetensors] [--seed N]\n"
     "               [--network NAME] [--set NAME=VALUE ...]",
     "Generates the C of 'nasc build', compiles it with clang into a cache folder\n"
     "keyed by a hash of the source and flags (NASC_CACHE, else $XDG_CACHE_HOME/nasc,\n"
     "else ~/.cache/nasc), runs it on IN and writes OUT. IN holds the input as raw\n"
     "float32 (NCHW, batch 1); OUT receives the outputs as raw float32, concatenated\n"
     "in the order of the network's return.\n"},
    {"bench", "time a network's generated C in a process of its own",
     "nasc bench FILE [--weights W.safetensors] [--seed N] [--min-time S] [--warmup N]\n"
     "                 [--timeout S] [--threads 1] [--json] [--network NAME] [--set ...]",
     "Compiles the network like 'nasc run' (the compile time is reported\n"
     "separately and is 0 when the cache has the program), then runs the timer of\n"
     "runtime/bench.c in a child process: warm-up runs, then single runs until at\n"
     "least --min-time seconds (default 1) and 10 runs have passed. Reports the\n"
     "median, minimum and interquartile range of one inference, in milliseconds.\n"
     "\n"
     "  --warmup N      untimed runs first (default 3)\n"
     "  --timeout S     stop the child after S seconds (default 300)\n"
     "  --threads N     threads of the generated code; only 1 exists so far\n"
     "  --json          print one JSON object instead of a line\n"},
    {"help", "show help for a command", "nasc help COMMAND", ""},
};

#define NUM_COMMANDS ((int)(sizeof commands / sizeof commands[0]))

static void print_overview(FILE *f)
{
    fprintf(f, "nasc %s: a compiler for neural architecture search\n\n", NASC_VERSION);
    fprintf(f, "usage: nasc COMMAND [OPTIONS] FILE\n\ncommands:\n");
    for (int i = 0; i < NUM_COMMANDS; i++)
        fprintf(f, "  %-7s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nnasc help COMMAND shows a command's options; nasc --version its version.\n"
               "The standard library of blocks is read from %s.\n",
            fe_stdlib_dir());
}

static const command_help *find_command(const char *name)
{
    for (int i = 0; i < NUM_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "nasc: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nRun 'nasc --help' for usage.\n");
    return EXIT_USAGE;
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 1) {
        print_overview(stdout);
        return 0;
    }
    const command_help *c = find_command(argv[0]);
    if (!c)
        return usage_error("unknown command '%s'", argv[0]);
    printf("usage: %s\n\n%s: %s\n", c->usage, c->name, c->summary);
    if (c->details[0])
        printf("\n%s", c->details);
    return 0;
}

typedef struct {
    const char *file;
    const char *network;
    bool json;
    bool help;
    ptr_vec overrides; /* of fe_override */
    const char *out_dir;
    const char *weights;
    bool embed_weights;
    uint64_t seed;
    const char *input;
    const char *output;
    double min_time;
    int warmup;
    double timeout;
    int threads;
} options;

static const char *command_line; /* for the banner of generated files */

/* True for "NAME=..." where NAME is an identifier. */
static bool is_assignment(const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !(isalpha((unsigned char)arg[0]) || arg[0] == '_'))
        return false;
    for (const char *c = arg; c < eq; c++)
        if (!(isalnum((unsigned char)*c) || *c == '_'))
            return false;
    return true;
}

/* Parses FILE and the options of check, info and ir; returns 0 or EXIT_USAGE. */
static int parse_options(const char *command, int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->min_time = 1.0;
    o->warmup = 3;
    o->timeout = 300;
    o->threads = 1;
    bool is_bench = strcmp(command, "bench") == 0;
    bool is_info = strcmp(command, "info") == 0;
    bool takes_network = strcmp(command, "check") != 0;
    bool generates = strcmp(command, "build") == 0 || strcmp(command, "run") == 0 || is_bench;
    bool is_run = strcmp(command, "run") == 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true;
            return 0;
        } else if (is_bench && (strcmp(a, "--min-time") == 0 || strcmp(a, "--warmup") == 0 ||
                                strcmp(a, "--timeout") == 0 || strcmp(a, "--threads") == 0)) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs a number", a);
            const char *value = argv[++i];
            char *end;
            double number = strtod(value, &end);
            bool whole = strcmp(a, "--warmup") == 0 || strcmp(a, "--threads") == 0;
            if (*end || !*value || number < 0 || (whole && number != (int)number) ||
                number > 1e6)
                return usage_error("invalid value '%s'; it takes a non-negative number", value);
            if (strcmp(a, "--min-time") == 0)
                o->min_time = number;
            else if (strcmp(a, "--warmup") == 0)
                o->warmup = (int)number;
            else if (strcmp(a, "--timeout") == 0)
                o->timeout = number;
            else
                o->threads = (int)number;
        } else if (strcmp(a, "--json") == 0 && (is_info || is_bench)) {
            o->json = true;
        } else if (strcmp(a, "--network") == 0 && takes_network) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs a network name", a);
            o->network = argv[++i];
        } else if (strcmp(a, "--set") == 0 && takes_network) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs NAME=VALUE", a);
            const char *arg = argv[++i];
            if (!is_assignment(arg))
                return usage_error("invalid --set '%s'; write --set NAME=VALUE, e.g. "
                                   "--set width=0.75", arg);
            fe_override *over = fe_parse_override(arg);
            if (!over)
                return EXIT_INPUT_ERROR;
            vec_push(&o->overrides, over);
        } else if (generates && (strcmp(a, "--weights") == 0 || strcmp(a, "--seed") == 0 ||
                                 (strcmp(a, "-o") == 0 && !is_run) ||
                                 (is_run && (strcmp(a, "--input") == 0 ||
                                             strcmp(a, "--output") == 0)))) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs a value", a);
            const char *value = argv[++i];
            if (strcmp(a, "--weights") == 0) {
                o->weights = value;
            } else if (strcmp(a, "-o") == 0) {
                o->out_dir = value;
            } else if (strcmp(a, "--input") == 0) {
                o->input = value;
            } else if (strcmp(a, "--output") == 0) {
                o->output = value;
            } else {
                char *end;
                errno = 0;
                unsigned long long seed = strtoull(value, &end, 10);
                if (errno || *end || !*value || value[0] == '-')
                    return usage_error("invalid --seed '%s'; it takes a non-negative integer",
                                       value);
                o->seed = seed;
            }
        } else if (strcmp(a, "--embed-weights") == 0 && generates && !is_run) {
            o->embed_weights = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "nasc: unknown option '%s' for '%s'\n", a, command);
            fprintf(stderr, "Run 'nasc help %s' for its options.\n", command);
            return EXIT_USAGE;
        } else if (o->file) {
            return usage_error("more than one input file given ('%s')", a);
        } else {
            o->file = a;
        }
    }
    if (is_run && (!o->input || !o->output) && o->file)
        return usage_error("'run' needs --input IN and --output OUT (%s)", "raw float32 files");
    if (!o->file) {
        fprintf(stderr, "nasc: '%s' needs an input file\nusage: %s\n", command,
                find_command(command)->usage);
        return EXIT_USAGE;
    }
    return 0;
}

/* Runs the pipeline up to a verified graph; NULL after reported errors. */
static ir_graph *compile(const options *o)
{
    fe_program *program = fe_load(o->file);
    if (!program)
        return NULL;
    const ast_decl *network = fe_find_network(program, o->network);
    if (!network)
        return NULL;
    return fe_build_with(program, network, &o->overrides);
}

static int cmd_check(const options *o)
{
    fe_program *program = fe_load(o->file);
    if (!program)
        return EXIT_INPUT_ERROR;
    ptr_vec networks = fe_networks(program);
    for (int i = 0; i < networks.len; i++)
        fe_build(program, networks.items[i]);
    return diag_error_count() > 0 ? EXIT_INPUT_ERROR : 0;
}

static int cmd_info(const options *o)
{
    ir_graph *g = compile(o);
    if (!g)
        return EXIT_INPUT_ERROR;
    if (o->json) {
        char *text = ir_info_json(g);
        puts(text);
        free(text);
    } else {
        ir_print_info(stdout, g);
    }
    return 0;
}

/* Lowers, plans and fills the weights; NULL after reported errors. */
static cg_program *generate(const options *o, ir_graph *g, float **weights)
{
    cg_program *p = cg_lower(g);
    cg_plan(p);
    *weights = cg_weights(p, o->weights, o->seed);
    return *weights ? p : NULL;
}

static int cmd_build(const options *o)
{
    ir_graph *g = compile(o);
    if (!g)
        return EXIT_INPUT_ERROR;
    float *weights;
    cg_program *p = generate(o, g, &weights);
    if (!p)
        return EXIT_INPUT_ERROR;
    const char *dir = o->out_dir ? o->out_dir : g->name;
    cg_options co = {dir, command_line, o->embed_weights};
    if (!cg_emit(p, weights, &co))
        return EXIT_INPUT_ERROR;
    printf("wrote %s/%s.h, %s.c, %smain.c and Makefile\n", dir, g->name, g->name,
           o->embed_weights ? "" : arena_printf("%s.weights, ", g->name));
    printf("%d kernel calls; workspace %lld bytes for %lld bytes of intermediate tensors; "
           "%lld weights\n", p->nsteps, (long long)p->workspace_bytes,
           (long long)p->total_tensor_bytes, (long long)p->weight_count);
    return 0;
}

/* The folder of compiled programs: NASC_CACHE, $XDG_CACHE_HOME/nasc or ~/.cache/nasc. */
static const char *cache_dir(void)
{
    const char *explicit_dir = getenv("NASC_CACHE");
    if (explicit_dir && *explicit_dir)
        return explicit_dir;
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg && *xdg)
        return arena_printf("%s/nasc", xdg);
    const char *home = getenv("HOME");
    if (home && *home)
        return arena_printf("%s/.cache/nasc", home);
    return "/tmp/nasc-cache";
}

static uint64_t hash_text(uint64_t h, const char *text)
{
    for (const char *c = text; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211u;
    return h;
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/*
 * Runs argv as a child process, its stdout sent to `stdout_path` unless
 * NULL, and waits at most `timeout` seconds (0: no limit). Returns its exit
 * status, -1 when it did not exit normally, or -2 when it timed out and
 * was killed.
 */
static int spawn_with(char *const argv[], const char *what, const char *stdout_path,
                      double timeout)
{
    pid_t pid;
    extern char **environ;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (stdout_path)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path,
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = posix_spawnp(&pid, argv[0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err != 0) {
        fprintf(stderr, "nasc: cannot start %s (%s): %s\n", what, argv[0], strerror(err));
        return -1;
    }

    double deadline = seconds_now() + timeout;
    int status;
    for (;;) {
        pid_t done = waitpid(pid, &status, timeout > 0 ? WNOHANG : 0);
        if (done == pid)
            break;
        if (done < 0 && errno != EINTR)
            return -1;
        if (timeout > 0 && seconds_now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fprintf(stderr, "nasc: %s timed out after %g s and was stopped\n", what, timeout);
            return -2;
        }
        if (timeout > 0) {
            struct timespec pause = {0, 10 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
    }
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "nasc: %s was killed by signal %d (%s)\n", what, WTERMSIG(status),
                strsignal(WTERMSIG(status)));
        return -1;
    }
    return WEXITSTATUS(status);
}

static int spawn_and_wait(char *const argv[], const char *what, double timeout)
{
    return spawn_with(argv, what, NULL, timeout);
}

static int spawn_to_file(char *const argv[], const char *path, double timeout)
{
    return spawn_with(argv, "the benchmark", path, timeout);
}

#define RUN_COMPILER "clang"
#define RUN_CFLAGS "-O2", "-std=c99", "-Wall", "-Wextra", "-pedantic"

extern const char runtime_bench_source[];

/*
 * Compiles the generated program into the cache, unless the cache has it:
 * the example main.c for `run`, or runtime/bench.c around the network for
 * `bench`. Returns the binary's path, or NULL; *compile_s is 0 on a hit.
 */
static const char *compiled_program(const cg_program *p, const cg_files *files, bool bench,
                                    const char **dir_out, double *compile_s)
{
    const char *net = p->graph->name;
    uint64_t key = hash_text(1469598103934665603u, files->header);
    key = hash_text(key, files->source);
    key = hash_text(key, bench ? runtime_bench_source : files->program);
    key = hash_text(key, RUN_COMPILER " -O2 -std=c99 -Wall -Wextra -pedantic");
    const char *dir = arena_printf("%s/%016llx", cache_dir(), (unsigned long long)key);
    const char *binary = arena_printf("%s/%s%s", dir, net, bench ? "-bench" : "");
    *dir_out = dir;
    *compile_s = 0;

    struct stat st;
    if (stat(binary, &st) == 0)
        return binary;
    cg_files sources = *files;
    sources.weights = NULL;
    if (bench)
        sources.program = runtime_bench_source;
    if (!cg_write(p, &sources, dir))
        return NULL;

    const char *NET = cg_macro_prefix(net);
    const char *tmp = arena_printf("%s.tmp.%ld", binary, (long)getpid());
    const char *source = arena_printf("%s/%s.c", dir, net);
    const char *main_c = arena_printf("%s/main.c", dir);
    char *plain[] = {RUN_COMPILER, RUN_CFLAGS, "-o", (char *)tmp, (char *)main_c,
                     (char *)source, "-lm", NULL};
    char *timer[] = {RUN_COMPILER, RUN_CFLAGS, "-o", (char *)tmp,
                     (char *)arena_printf("-DNET_RUN=%s_run", net),
                     (char *)arena_printf("-DNET_LOAD_WEIGHTS=%s_load_weights", net),
                     (char *)arena_printf("-DNET_STRERROR=%s_strerror", net),
                     (char *)arena_printf("-DNET_INPUT_SIZE=%s_INPUT_SIZE", NET),
                     (char *)arena_printf("-DNET_OUTPUT_SIZE=%s_OUTPUT_SIZE", NET),
                     (char *)arena_printf("-DNET_WORKSPACE_BYTES=%s_WORKSPACE_BYTES", NET),
                     "-include", (char *)arena_printf("%s/%s.h", dir, net), (char *)main_c,
                     (char *)source, "-lm", NULL};
    double start = seconds_now();
    int status = spawn_and_wait(bench ? timer : plain, "the C compiler", 0);
    *compile_s = seconds_now() - start;
    if (status != 0 || rename(tmp, binary) != 0) {
        remove(tmp);
        fprintf(stderr, "nasc: compiling the generated code in '%s' failed\n", dir);
        return NULL;
    }
    return binary;
}

/* Writes this process's copy of the weights next to the program; NULL on failure. */
static const char *write_weights(const char *dir, const cg_files *files)
{
    const char *path = arena_printf("%s/weights.%ld", dir, (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(files->weights, 1, files->weights_size, f) != files->weights_size ||
        fclose(f) != 0) {
        fprintf(stderr, "nasc: cannot write '%s': %s\n", path, strerror(errno));
        remove(path);
        return NULL;
    }
    return path;
}

/* A network compiled into the cache, with what `run` and `bench` need of it. */
typedef struct {
    ir_graph *graph;
    cg_files files;
    const char *dir;
    const char *binary;
    double compile_s;
} compiled;

/* Runs the pipeline through code generation and compiles the program for run or bench. */
static bool compile_program(const options *o, bool bench, compiled *c)
{
    c->graph = compile(o);
    if (!c->graph)
        return false;
    float *weights;
    cg_program *p = generate(o, c->graph, &weights);
    if (!p)
        return false;
    cg_options co = {NULL, arena_printf("nasc %s %s", bench ? "bench" : "run", o->file), false};
    c->files = cg_render(p, weights, &co);
    c->binary = compiled_program(p, &c->files, bench, &c->dir, &c->compile_s);
    return c->binary != NULL;
}

static int cmd_bench(const options *o)
{
    if (o->threads != 1) {
        fprintf(stderr, "nasc: --threads %d: the generated code runs on 1 thread so far\n",
                o->threads);
        return EXIT_USAGE;
    }
    compiled c;
    if (!compile_program(o, true, &c))
        return EXIT_INPUT_ERROR;
    ir_graph *g = c.graph;
    const char *weights_path = write_weights(c.dir, &c.files);
    if (!weights_path)
        return EXIT_INPUT_ERROR;
    const char *binary = c.binary;
    const char *dir = c.dir;
    double compile_s = c.compile_s;

    const char *result_path = arena_printf("%s/bench.%ld.json", dir, (long)getpid());
    char *program[] = {(char *)binary, (char *)weights_path,
                       (char *)arena_printf("%g", o->min_time),
                       (char *)arena_printf("%d", o->warmup), NULL};
    int status = spawn_to_file(program, result_path, o->timeout);
    remove(weights_path);
    char text[512] = "";
    FILE *f = fopen(result_path, "r");
    size_t got = f ? fread(text, 1, sizeof text - 1, f) : 0;
    text[got] = '\0';
    if (f)
        fclose(f);
    remove(result_path);
    if (status != 0 || got == 0) {
        if (status != -2)
            fprintf(stderr, "nasc: the benchmark of '%s' failed\n", g->name);
        return EXIT_INPUT_ERROR;
    }

    double median, minimum, q1, q3, iqr;
    int runs;
    if (sscanf(text, "{\"runs\": %d, \"median_ms\": %lf, \"min_ms\": %lf, \"q1_ms\": %lf, "
                     "\"q3_ms\": %lf, \"iqr_ms\": %lf}", &runs, &median, &minimum, &q1, &q3,
               &iqr) != 6) {
        fprintf(stderr, "nasc: unexpected benchmark output: %s\n", text);
        return EXIT_INPUT_ERROR;
    }
    if (o->json)
        printf("{\"network\": \"%s\", \"threads\": 1, \"runs\": %d, \"median_ms\": %.6f, "
               "\"min_ms\": %.6f, \"q1_ms\": %.6f, \"q3_ms\": %.6f, \"iqr_ms\": %.6f, "
               "\"compile_s\": %.3f, \"cached\": %s}\n",
               g->name, runs, median, minimum, q1, q3, iqr, compile_s,
               compile_s == 0 ? "true" : "false");
    else
        printf("%s: median %.3f ms, min %.3f ms, IQR %.3f ms over %d runs, 1 thread; "
               "compile %s\n",
               g->name, median, minimum, iqr, runs,
               compile_s == 0 ? "cached" : arena_printf("%.2f s", compile_s));
    return 0;
}

/* True when the folder of `path` exists, so a file can be created there. */
static bool folder_exists(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return true;
    const char *dir = slash == path ? "/" : arena_strndup(path, (size_t)(slash - path));
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmd_run(const options *o)
{
    if (!folder_exists(o->output)) {
        fprintf(stderr, "nasc: cannot write the output '%s': its folder does not exist\n",
                o->output);
        return EXIT_INPUT_ERROR;
    }
    compiled c;
    if (!compile_program(o, false, &c))
        return EXIT_INPUT_ERROR;
    const char *binary = c.binary;
    const char *dir = c.dir;
    cg_files files = c.files;

    /* The weights go to a file of this run's own, removed afterwards. */
    const char *weights_path = write_weights(dir, &files);
    if (!weights_path)
        return EXIT_INPUT_ERROR;
    char *program[] = {(char *)binary, (char *)weights_path, (char *)o->input, (char *)o->output,
                       NULL};
    int status = spawn_and_wait(program, "the generated program", 0);
    remove(weights_path);
    return status == 0 ? 0 : EXIT_INPUT_ERROR;
}

static int cmd_ir(const options *o)
{
    ir_graph *g = compile(o);
    if (!g)
        return EXIT_INPUT_ERROR;
    ir_print(stdout, g);
    return 0;
}

static int run(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_overview(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("nasc %s\n", NASC_VERSION);
        return 0;
    }
    const char *command = argv[1];
    if (strcmp(command, "help") == 0)
        return cmd_help(argc - 2, argv + 2);
    if (!find_command(command))
        return usage_error("unknown command '%s'", command);

    options o;
    int status = parse_options(command, argc - 2, argv + 2, &o);
    if (status != 0)
        return status;
    if (o.help) {
        char *help_argv[] = {(char *)command};
        return cmd_help(1, help_argv);
    }
    if (strcmp(command, "check") == 0)
        return cmd_check(&o);
    if (strcmp(command, "info") == 0)
        return cmd_info(&o);
    if (strcmp(command, "build") == 0)
        return cmd_build(&o);
    if (strcmp(command, "run") == 0)
        return cmd_run(&o);
    if (strcmp(command, "bench") == 0)
        return cmd_bench(&o);
    return cmd_ir(&o);
}

int main(int argc, char **argv)
{
    command_line = "nasc";
    for (int i = 1; i < argc; i++)
        command_line = arena_printf("%s %s", command_line, argv[i]);
    int status = run(argc, argv);
    if (status == 0 && diag_error_count() > 0)
        status = EXIT_INPUT_ERROR;
    if (diag_error_count() > DIAG_MAX_ERRORS)
        fprintf(stderr, "nasc: %d errors in all; only the first %d are shown\n",
                diag_error_count(), DIAG_MAX_ERRORS);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("nasc: cannot write the output");
        status = EXIT_INPUT_ERROR;
    }
    arena_reset();
    return status;
}
