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
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen.h"
#include "codegen/compile.h"
#include "frontend/frontend.h"
#include "ir/ir.h"
#include "search/search.h"
#include "search/space.h"

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
     "nasc info FILE [--network NAME] [--set NAME=VALUE ...] [--genotype G] [--json]",
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
     "nasc ir FILE [--format text|nas] [--network NAME] [--set NAME=VALUE ...]\n"
     "              [--genotype G]",
     "Prints the graph one node a line: its inputs, attributes, output shape\n"
     "and layer name.\n"
     "\n"
     "  --format nas    print the graph as a .nas network instead, one op call a\n"
     "                  line named by its full dotted layer name, which\n"
     "                  'nasc build' compiles to the same network (the default\n"
     "                  is --format text, the dump above)\n"
     "  --network NAME  the network to print, when FILE declares several\n"
     "  --set NAME=VALUE\n"
     "                  replace the default of a network parameter (see 'help info')\n"},
    {"build", "generate standalone C for a network",
     "nasc build FILE [-o DIR] [--weights W.safetensors] [--embed-weights] [--seed N]\n"
     "                 [--target T] [--threads N] [--network NAME] [--set NAME=VALUE ...]\n"
     "                 [--genotype G]",
     "Writes into DIR (default: the network's name): NET.h and NET.c, the network as\n"
     "C99 with every shape a constant; NET.weights unless --embed-weights puts the\n"
     "weights in NET.c; main.c, an example program; and a Makefile.\n"
     "\n"
     "  -o DIR           the output folder, created if missing\n"
     "  --weights W      load weights by state_dict name from a safetensors file\n"
     "                   (tools/export_torch.py writes one from PyTorch)\n"
     "  --seed N         without --weights, pseudo-random weights from seed N (default 0)\n"
     "  --embed-weights  put the weights in NET.c as a const array\n"
     "  --target T       the instruction set the kernels are written for: host (the\n"
     "                   default: the best this machine runs), avx512 (vectors of 16\n"
     "                   floats, -mavx512f -mavx2 -mfma), avx2 (8 floats, -mavx2\n"
     "                   -mfma) or scalar (portable C); the Makefile passes the\n"
     "                   target's flags, with -ffp-contract=fast for gcc's FMAs\n"
     "  --threads N      split the work of NET_run over N threads (default 1): the\n"
     "                   calling thread and a pthread pool of N - 1 workers, one per\n"
     "                   process, started by NET_threads_start or the first NET_run\n"
     "                   and ended by NET_threads_stop; link with -pthread. With 1,\n"
     "                   the code has no thread code at all\n"
     "  --network NAME   the network to build, when FILE declares several\n"
     "  --set NAME=VALUE replace the default of a network parameter (see 'help info')\n"},
    {"run", "build a network with clang and run it on an input file",
     "nasc run FILE --input IN --output OUT [--weights W.safetensors] [--seed N]\n"
     "               [--target T] [--threads N] [--network NAME] [--set NAME=VALUE ...]\n"
     "               [--genotype G]",
     "Generates the C of 'nasc build', compiles it with clang into a cache folder\n"
     "keyed by a hash of the source and flags (NASC_CACHE, else $XDG_CACHE_HOME/nasc,\n"
     "else ~/.cache/nasc), runs it on IN and writes OUT. IN holds the input as raw\n"
     "float32 (NCHW, batch 1); OUT receives the outputs as raw float32, concatenated\n"
     "in the order of the network's return. --target and --threads are those of\n"
     "'nasc build'; a target this machine cannot run is refused. --network and\n"
     "--set are those of 'nasc info'.\n"},
    {"bench", "time a network's generated C in a process of its own",
     "nasc bench FILE [--weights W.safetensors] [--seed N] [--min-time S] [--warmup N]\n"
     "                 [--timeout S] [--threads N] [--target T] [--json] [--network NAME]\n"
     "                 [--set NAME=VALUE ...] [--genotype G]",
     "Compiles the network like 'nasc run' (the compile time is reported\n"
     "separately and is 0 when the cache has the program), then runs the timer of\n"
     "runtime/bench.c in a child process: warm-up runs, then single runs until at\n"
     "least --min-time seconds (default 1) and 10 runs have passed. Reports the\n"
     "median, minimum and interquartile range of one inference, in milliseconds.\n"
     "\n"
     "  --warmup N      untimed runs first (default 3)\n"
     "  --timeout S     stop the child after S seconds (default 300; 0: no limit)\n"
     "  --threads N     threads of the generated code, as in 'nasc build' (default 1)\n"
     "  --target T      the instruction set, as in 'nasc build' (default host)\n"
     "  --json          print one JSON object instead of a line\n"
     "  --network NAME  the network to time, when FILE declares several\n"
     "  --set NAME=VALUE\n"
     "                  replace the default of a network parameter (see 'help info')\n"},
    {"space", "list the choice points of a search space and count its candidates",
     "nasc space FILE [--unique] [--sample N [--seed S]] [--network NAME] [--set ...]",
     "Explores the network's choice points (choice, pick, repeat choice) and\n"
     "prints the exact number of distinct candidates (with its log10 when it is\n"
     "huge), the genotype template, and one line per point: its name, kind,\n"
     "whether it is shared, its options, and the decision that reaches it.\n"
     "Every command that takes a network takes --genotype G to pick one\n"
     "candidate: G is the template's text, or NAME=LABEL,NAME=LABEL,...\n"
     "\n"
     "  --unique  also build every candidate (spaces of up to a million) and count\n"
     "            the distinct computations: candidates that differ only in zero\n"
     "            edges, in layers that reach no output, or in the order of a sum\n"
     "            are one, as the searcher evaluates them once\n"
     "  --sample N  then print the genotypes of N random valid candidates, one a\n"
     "            line, drawn with seed S (default 0)\n"},
    {"instantiate", "write one candidate of a search space as a concrete .nas network",
     "nasc instantiate FILE --genotype G [-o OUT.nas] [--network NAME] [--set ...]",
     "Builds the candidate of genotype G and writes it as one .nas network of\n"
     "plain op calls, with the same layer names, shapes, params and MACs, that\n"
     "'nasc build' compiles without the search space. Prints to standard output\n"
     "unless -o names a file; the file is written whole or not at all.\n"},
    {"search", "search a space for the best networks under constraints", SEARCH_USAGE,
     search_help_details},
    {"report", "summarize the log of a search: failures, best, Pareto front", REPORT_USAGE,
     report_help_details},
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

/*
 * Returns the column at which a command's option descriptions start in
 * its help text. That is where the first option line's text after the
 * option's name begins, or 18 when the help lists no option.
 */
static int option_column(const char *details)
{
    const char *line = strstr(details, "\n  -");
    line = line ? line + 1 : strncmp(details, "  -", 3) == 0 ? details : NULL;
    if (!line)
        return 18;
    const char *p = line + 2;
    while (*p && *p != '\n' && !(p[0] == ' ' && p[1] == ' '))
        p++;
    while (*p == ' ')
        p++;
    return *p && *p != '\n' ? (int)(p - line) : 18;
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
    /* Every command that builds one network can build a candidate of a space. */
    const char *const builders[] = {"info", "ir", "build", "run", "bench"};
    for (size_t i = 0; i < sizeof builders / sizeof builders[0]; i++)
        if (strcmp(c->name, builders[i]) == 0) {
            int column = option_column(c->details);
            /* The option joins the list of options that ends the text, if one does. */
            size_t len = strlen(c->details);
            const char *last = len > 1 ? c->details + len - 2 : c->details;
            while (last > c->details && last[-1] != '\n')
                last--;
            bool in_list = len > 1 && strncmp(last, "  ", 2) == 0;
            printf("%s  %-*s%s\n%*s%s\n", in_list ? "" : "\n", column - 2, "--genotype G",
                   "the candidate G of a search space: the genotype's text,", column, "",
                   "as 'nasc space' and 'nasc search' print it");
        }
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
    cg_target target;
    uint64_t seed;
    const char *input;
    const char *output;
    double min_time;
    int warmup;
    double timeout;
    int threads;
    bool nas_format; /* nasc ir --format nas */
    const char *genotype; /* a candidate of a search space */
    bool unique;          /* nasc space --unique */
    int sample;           /* nasc space --sample N */
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
        } else if (strcmp(a, "--threads") == 0 && generates) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs a number", a);
            const char *value = argv[++i];
            char *end;
            long number = strtol(value, &end, 10);
            if (*end || !*value || number < 1 || number > CG_MAX_THREADS)
                return usage_error("invalid --threads '%s'; it takes a whole number from 1 to 64",
                                   value); /* CG_MAX_THREADS */
            o->threads = (int)number;
        } else if (is_bench && (strcmp(a, "--min-time") == 0 || strcmp(a, "--warmup") == 0 ||
                                strcmp(a, "--timeout") == 0)) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs a number", a);
            const char *value = argv[++i];
            char *end;
            double number = strtod(value, &end);
            bool whole = strcmp(a, "--warmup") == 0;
            if (*end || !*value || number < 0 || (whole && number != (int)number) ||
                number > 1e6)
                return usage_error("invalid value %s; it takes a non-negative number",
                                   arena_printf("'%s' for %s", value, a));
            if (strcmp(a, "--min-time") == 0)
                o->min_time = number;
            else if (strcmp(a, "--warmup") == 0)
                o->warmup = (int)number;
            else
                o->timeout = number;
        } else if (strcmp(a, "--format") == 0 && strcmp(command, "ir") == 0) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs text or nas", a);
            const char *format = argv[++i];
            if (strcmp(format, "text") != 0 && strcmp(format, "nas") != 0)
                return usage_error("invalid --format '%s'; it takes text or nas", format);
            o->nas_format = strcmp(format, "nas") == 0;
        } else if (strcmp(a, "--genotype") == 0 && takes_network &&
                   strcmp(command, "space") != 0) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs a genotype", a);
            o->genotype = argv[++i];
        } else if (strcmp(a, "--unique") == 0 && strcmp(command, "space") == 0) {
            o->unique = true;
        } else if (strcmp(command, "space") == 0 &&
                   (strcmp(a, "--sample") == 0 || strcmp(a, "--seed") == 0)) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs a number", a);
            const char *value = argv[++i];
            char *end;
            errno = 0;
            unsigned long long n = strtoull(value, &end, 10);
            if (errno || *end || !*value || value[0] == '-' ||
                (strcmp(a, "--sample") == 0 && n > 1000000))
                return usage_error("invalid value '%s'; it takes a non-negative integer", value);
            if (strcmp(a, "--sample") == 0)
                o->sample = (int)n;
            else
                o->seed = n;
        } else if (strcmp(a, "-o") == 0 && strcmp(command, "instantiate") == 0) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs a file name", a);
            o->out_dir = argv[++i];
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
        } else if (strcmp(a, "--target") == 0 && generates) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs host, avx512, avx2 or scalar", a);
            const char *value = argv[++i];
            if (!cg_target_parse(value, &o->target))
                return usage_error("invalid --target '%s'; it takes host, avx512, avx2 or scalar",
                                   value);
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

/* The candidate of --genotype in a search space; errors are reported. */
static ir_graph *build_genotype(const options *o, const fe_program *program,
                                const ast_decl *network)
{
    sp_space *space = sp_open(program, network, &o->overrides);
    if (!space)
        return NULL;
    const char *error = NULL;
    sp_genotype *g = sp_parse(space, o->genotype, &error);
    if (!g) {
        fprintf(stderr, "nasc: invalid --genotype: %s\n", error);
        sp_close(space);
        return NULL;
    }
    sp_candidate c;
    if (!sp_build(space, g, NULL, &c))
        fprintf(stderr, "nasc: the candidate '%s' of network '%s' is invalid: %s\n", o->genotype,
                network->name, c.error);
    /* A decision for a point the candidate never reaches is likely a mistake. */
    for (int i = 0; c.graph && i < g->npoints && i < c.genotype->npoints; i++) {
        if (g->option[i] >= 0 && c.genotype->option[i] < 0) {
            fprintf(stderr, "nasc: invalid --genotype: this candidate does not reach choice "
                            "point '%s'; leave it out\n", space->points[i].name);
            c.graph = NULL;
            break;
        }
    }
    sp_genotype_free(g);
    sp_genotype_free(c.genotype);
    sp_close(space);
    return c.graph;
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
    if (o->genotype)
        return build_genotype(o, program, network);
    return fe_build_with(program, network, &o->overrides);
}

static int compare_hashes(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int count_unique(sp_space *space);
static int print_samples(sp_space *space, int n, uint64_t seed);

static int cmd_space(const options *o)
{
    fe_program *program = fe_load(o->file);
    if (!program)
        return EXIT_INPUT_ERROR;
    const ast_decl *network = fe_find_network(program, o->network);
    if (!network)
        return EXIT_INPUT_ERROR;
    sp_space *space = sp_open(program, network, &o->overrides);
    if (!space)
        return EXIT_INPUT_ERROR;
    sp_print(stdout, space);
    int status = o->unique ? count_unique(space) : 0;
    if (status == 0 && o->sample > 0)
        status = print_samples(space, o->sample, o->seed);
    sp_close(space);
    return status;
}

/* nasc space --sample N: random valid candidates; invalid draws are skipped. */
static int print_samples(sp_space *space, int n, uint64_t seed)
{
    uint64_t rng = seed;
    int printed = 0;
    printf("\n");
    for (int tries = 0; printed < n && tries < 100 * n; tries++) {
        arena_mark_t mark = arena_mark();
        sp_genotype *g = sp_random(space, &rng);
        sp_candidate c;
        if (sp_build(space, g, &rng, &c)) {
            printf("%s\n", sp_format(space, c.genotype));
            printed++;
        }
        sp_genotype_free(g);
        sp_genotype_free(c.genotype);
        arena_release(mark);
    }
    if (printed < n) {
        fprintf(stderr, "nasc: found only %d valid candidates in %d draws\n", printed, 100 * n);
        return EXIT_INPUT_ERROR;
    }
    return 0;
}

/* nasc space --unique: builds every candidate and counts distinct graph hashes. */
static int count_unique(sp_space *space)
{
    if (sp_size_log10(space) > 6.0001) {
        fprintf(stderr, "nasc: --unique builds every candidate; this space has more than a "
                        "million\n");
        return EXIT_INPUT_ERROR;
    }
    /* Distinct hashes, in a sorted array: a million at most. */
    size_t n = 0, cap = 1024, invalid = 0;
    uint64_t *hashes = malloc(cap * sizeof *hashes);
    sp_genotype *g = NULL;
    while (hashes && sp_enumerate_next(space, &g)) {
        arena_mark_t mark = arena_mark();
        sp_candidate c;
        if (sp_build(space, g, NULL, &c)) {
            if (n == cap)
                hashes = realloc(hashes, (cap *= 2) * sizeof *hashes);
            if (hashes)
                hashes[n++] = sp_graph_hash(c.graph);
        } else {
            invalid++;
        }
        sp_genotype_free(c.genotype);
        arena_release(mark);
    }
    if (!hashes) {
        fprintf(stderr, "nasc: out of memory\n");
        return EXIT_INPUT_ERROR;
    }
    size_t distinct = 0;
    qsort(hashes, n, sizeof *hashes, compare_hashes);
    for (size_t i = 0; i < n; i++)
        distinct += i == 0 || hashes[i] != hashes[i - 1];
    free(hashes);
    printf("\n%zu valid candidates, %zu distinct computations, %zu invalid\n", n, distinct,
           invalid);
    return 0;
}

static int cmd_instantiate(const options *o)
{
    if (!o->genotype)
        return usage_error("'%s' needs --genotype G", "instantiate");
    ir_graph *g = compile(o);
    if (!g)
        return EXIT_INPUT_ERROR;
    const char *comment = arena_printf("Written by: %s\nGenotype: %s", command_line, o->genotype);
    if (!o->out_dir) {
        const char *error = ir_write_nas(stdout, g, comment);
        if (error) {
            fprintf(stderr, "nasc: cannot write '%s' as .nas: %s\n", g->name, error);
            return EXIT_INPUT_ERROR;
        }
        return 0;
    }
    /* Written beside the target, then renamed, so no half-written file remains. */
    const char *tmp = arena_printf("%s.tmp%ld", o->out_dir, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "nasc: cannot write '%s': %s\n", o->out_dir, strerror(errno));
        return EXIT_INPUT_ERROR;
    }
    const char *error = ir_write_nas(f, g, comment);
    bool failed = fclose(f) != 0 || error;
    if (failed || rename(tmp, o->out_dir) != 0) {
        fprintf(stderr, "nasc: cannot write '%s': %s\n", o->out_dir,
                error ? error : strerror(errno));
        remove(tmp);
        return EXIT_INPUT_ERROR;
    }
    return 0;
}

/* Decides every choice point by its first option; marks that it was asked. */
static int first_option(fe_decider *d, const fe_choice *c)
{
    (void)c;
    d->user = d;
    return 0;
}

/*
 * Builds a network; a search space through its first candidate, then by
 * exploring its choice points and parsing its directives. The warnings of
 * that one candidate (say, an input that a pick leaves unused) would
 * mislead about the space, so they are shown only with an error.
 */
static void check_network(const fe_program *program, const ast_decl *network)
{
    char *text = NULL;
    size_t len = 0;
    FILE *captured = open_memstream(&text, &len);
    if (!captured) {
        fe_build(program, network);
        return;
    }
    int errors_before = diag_error_count();
    fe_decider first = {first_option, NULL};
    diag_set_output(captured);
    ir_graph *g = fe_build_decided(program, network, NULL, &first);
    diag_set_output(stderr);
    fclose(captured);
    bool is_space = first.user != NULL;
    if (!is_space || !g || diag_error_count() > errors_before)
        fputs(text, stderr);
    free(text);
    if (!g || !is_space)
        return;
    sp_space *space = sp_open(program, network, NULL);
    if (space)
        search_check_directives(space);
    sp_close(space);
}

static int cmd_check(const options *o)
{
    fe_program *program = fe_load(o->file);
    if (!program)
        return EXIT_INPUT_ERROR;
    ptr_vec networks = fe_networks(program);
    for (int i = 0; i < networks.len; i++)
        check_network(program, networks.items[i]);
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
    cg_options co = {dir, command_line, o->embed_weights, false, o->target, o->threads, 0};
    if (!cg_emit(p, weights, &co))
        return EXIT_INPUT_ERROR;
    printf("wrote %s/%s.h, %s.c, %smain.c and Makefile\n", dir, g->name, g->name,
           o->embed_weights ? "" : arena_printf("%s.weights, ", g->name));
    printf("%d kernel calls; workspace %lld bytes for %lld bytes of intermediate tensors; "
           "%lld weights\n", p->nsteps, (long long)p->workspace_bytes,
           (long long)p->total_tensor_bytes, (long long)p->weight_count);
    return 0;
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
    if (!cg_target_runs_here(o->target)) {
        fprintf(stderr, "nasc: this machine cannot run code for the %s target; 'nasc build "
                        "--target %s' writes it for another machine\n",
                cg_target_name(o->target), cg_target_name(o->target));
        return false;
    }
    c->graph = compile(o);
    if (!c->graph)
        return false;
    float *weights;
    cg_program *p = generate(o, c->graph, &weights);
    if (!p)
        return false;
    cg_options co = {NULL, arena_printf("nasc %s %s", bench ? "bench" : "run", o->file), false,
                     false, o->target, o->threads, 0};
    c->files = cg_render(p, weights, &co);
    c->binary = cg_compile_program(p, &c->files, bench, &c->dir, &c->compile_s);
    return c->binary != NULL;
}

static int cmd_bench(const options *o)
{
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
    int status = cg_spawn_reporting(program, "the benchmark", result_path, o->timeout);
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
    const char *target = cg_target_name(c.files.target);
    if (o->json)
        printf("{\"network\": \"%s\", \"threads\": %d, \"target\": \"%s\", \"runs\": %d, "
               "\"median_ms\": %.6f, \"min_ms\": %.6f, \"q1_ms\": %.6f, \"q3_ms\": %.6f, "
               "\"iqr_ms\": %.6f, \"compile_s\": %.3f, \"cached\": %s}\n",
               g->name, o->threads, target, runs, median, minimum, q1, q3, iqr, compile_s,
               compile_s == 0 ? "true" : "false");
    else
        printf("%s: median %.3f ms, min %.3f ms, IQR %.3f ms over %d runs, %d thread%s, %s; "
               "compile %s\n",
               g->name, median, minimum, iqr, runs, o->threads, o->threads == 1 ? "" : "s", target,
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
    int status = cg_spawn_reporting(program, "the generated program", NULL, 0);
    remove(weights_path);
    return status == 0 ? 0 : EXIT_INPUT_ERROR;
}

static int cmd_ir(const options *o)
{
    ir_graph *g = compile(o);
    if (!g)
        return EXIT_INPUT_ERROR;
    if (!o->nas_format) {
        ir_print(stdout, g);
        return 0;
    }
    const char *error = ir_write_nas(stdout, g, arena_printf("Written by: %s", command_line));
    if (error) {
        fprintf(stderr, "nasc: cannot write '%s' as .nas: %s\n", g->name, error);
        return EXIT_INPUT_ERROR;
    }
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
    if (strcmp(command, "search") == 0 || strcmp(command, "report") == 0) {
        for (int i = 2; i < argc; i++)
            if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
                return cmd_help(1, argv + 1);
        return command[0] == 's' ? search_main(argc - 2, argv + 2, command_line)
                                 : report_main(argc - 2, argv + 2);
    }

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
    if (strcmp(command, "space") == 0)
        return cmd_space(&o);
    if (strcmp(command, "instantiate") == 0)
        return cmd_instantiate(&o);
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
