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
 *
 * Exit status: 0 on success, 1 when the input has errors, 2 on a usage
 * error.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
} options;

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
    *o = (options){NULL, NULL, false, false, {0}};
    bool is_info = strcmp(command, "info") == 0;
    bool takes_network = strcmp(command, "check") != 0;
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
    return cmd_ir(&o);
}

int main(int argc, char **argv)
{
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
