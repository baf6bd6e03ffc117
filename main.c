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
#include <sys/wait.h>
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
    bool is_info = strcmp(command, "info") == 0;
    bool takes_network = strcmp(command, "check") != 0;
    bool generates = strcmp(command, "build") == 0 || strcmp(command, "run") == 0;
    bool is_run = strcmp(command, "run") == 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true;
            return 0;
        } else if (strcmp(a, "--json") == 0 && is_info) {
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

/* Runs argv as a child process; returns its exit status, or -1 when it did not exit normally. */
static int spawn_and_wait(char *const argv[], const char *what)
{
    pid_t pid;
    extern char **environ;
    int err = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
    if (err != 0) {
        fprintf(stderr, "nasc: cannot start %s (%s): %s\n", what, argv[0], strerror(err));
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "nasc: %s was killed by signal %d\n", what, WTERMSIG(status));
        return -1;
    }
    return WEXITSTATUS(status);
}

#define RUN_COMPILER "clang"
#define RUN_CFLAGS "-O2", "-std=c99", "-Wall", "-Wextra", "-pedantic"

static int cmd_run(const options *o)
{
    ir_graph *g = compile(o);
    if (!g)
        return EXIT_INPUT_ERROR;
    float *weights;
    cg_program *p = generate(o, g, &weights);
    if (!p)
        return EXIT_INPUT_ERROR;
    cg_options co = {NULL, arena_printf("nasc run %s", o->file), false};
    cg_files files = cg_render(p, weights, &co);

    /* The compiled program is reused whenever the source and flags are equal. */
    uint64_t key = hash_text(1469598103934665603u, files.header);
    key = hash_text(key, files.source);
    key = hash_text(key, files.program);
    key = hash_text(key, RUN_COMPILER " -O2 -std=c99 -Wall -Wextra -pedantic");
    const char *dir = arena_printf("%s/%016llx", cache_dir(), (unsigned long long)key);
    const char *binary = arena_printf("%s/%s", dir, g->name);

    struct stat st;
    if (stat(binary, &st) != 0) {
        cg_files sources = files;
        sources.weights = NULL;
        if (!cg_write(p, &sources, dir))
            return EXIT_INPUT_ERROR;
        const char *tmp = arena_printf("%s.tmp.%ld", binary, (long)getpid());
        char *cc[] = {RUN_COMPILER, RUN_CFLAGS, "-o", (char *)tmp,
                      (char *)arena_printf("%s/main.c", dir),
                      (char *)arena_printf("%s/%s.c", dir, g->name), "-lm", NULL};
        if (spawn_and_wait(cc, "the C compiler") != 0 || rename(tmp, binary) != 0) {
            remove(tmp);
            fprintf(stderr, "nasc: compiling the generated code in '%s' failed\n", dir);
            return EXIT_INPUT_ERROR;
        }
    }

    /* The weights go to a file of this run's own, removed afterwards. */
    const char *weights_path = arena_printf("%s/weights.%ld", dir, (long)getpid());
    FILE *f = fopen(weights_path, "wb");
    if (!f || fwrite(files.weights, 1, files.weights_size, f) != files.weights_size ||
        fclose(f) != 0) {
        fprintf(stderr, "nasc: cannot write '%s': %s\n", weights_path, strerror(errno));
        remove(weights_path);
        return EXIT_INPUT_ERROR;
    }
    char *program[] = {(char *)binary, (char *)weights_path, (char *)o->input, (char *)o->output,
                       NULL};
    int status = spawn_and_wait(program, "the generated program");
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
