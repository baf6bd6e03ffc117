/*
 * The frontend: from .nas source files to IR graphs.
 *
 *   load.c    reading files, UTF-8 checks, parsing, imports, the global
 *             table of blocks, functions and networks
 *   eval.c    evaluating a network body: values, expressions, statements,
 *             layer naming; the body runs once and emits IR nodes
 *   call.c    calls of blocks, functions and ops, pipes and seq
 *   ops.c     the built-in ops and functions: signatures, argument
 *             binding and the IR node each op call adds
 *
 * All errors are diagnostics with source locations; a function that
 * reports an error returns NULL or false, and the caller exits with 1.
 */
#ifndef NASC_FRONTEND_H
#define NASC_FRONTEND_H

#include "../ir/ir.h"
#include "ast.h"

/* Maximum size of a source file, far above any real .nas file. */
#define FE_MAX_FILE_BYTES (16u << 20)

typedef struct {
    ast_file *main;   /* the file named on the command line */
    ptr_vec files;    /* every file read, main first, of ast_file */
    ptr_vec decls;    /* blocks, functions and networks of all files, of ast_decl */
} fe_program;

/* Reads and parses `path` and everything it imports. NULL after errors. */
fe_program *fe_load(const char *path);

/* Like fe_load, for source text already in memory; path names it in messages. */
fe_program *fe_load_text(const char *path, const char *text, size_t len);

/* The networks declared in the main file, of ast_decl. */
ptr_vec fe_networks(const fe_program *p);

/*
 * Selects a network of the main file by name, or the only one when name is
 * NULL; reports an error and returns NULL when that is impossible.
 */
const ast_decl *fe_find_network(const fe_program *p, const char *name);

/* A network parameter given on the command line as --set NAME=VALUE. */
typedef struct {
    const char *name;
    src_loc name_loc;
    const ast_expr *value;
} fe_override;

/* Parses "NAME=VALUE" (VALUE is a .nas expression); NULL after a reported error. */
fe_override *fe_parse_override(const char *arg);

/* Evaluates a network into a verified graph; NULL after errors. */
ir_graph *fe_build(const fe_program *p, const ast_decl *network);

/* Like fe_build, with some network parameters replaced (ptr_vec of fe_override). */
ir_graph *fe_build_with(const fe_program *p, const ast_decl *network, const ptr_vec *overrides);

/* ---- choice points of search spaces ---- */

typedef enum {
    FE_CHOICE_ONE,   /* choice(a, b, c): one of several values, ops or blocks */
    FE_CHOICE_PICK,  /* pick(k, list): k of n inputs; options are the k-subsets in order */
    FE_CHOICE_DEPTH, /* repeat choice(2, 3, 4): how many times a body repeats */
} fe_choice_kind;

/* A choice point as the evaluation reaches it. */
typedef struct {
    const char *name;     /* dotted path (independent) or bare name (shared) */
    fe_choice_kind kind;
    bool shared;
    int noptions;
    const char **labels;  /* the printed form of each option */
    int64_t *depths;      /* FE_CHOICE_DEPTH: the repeat count of each option */
    src_loc loc;
    /* The innermost choice whose decision made evaluation reach this one. */
    const char *parent;   /* its name, or NULL */
    int parent_option;    /* an op choice's option under evaluation, or -1 */
    int parent_iteration; /* a depth choice's iteration under evaluation, or -1 */
} fe_choice;

/*
 * Decides choice points during fe_build_decided: returns the option to
 * take, in [0, c->noptions). A network with choice points fails to build
 * without a decider.
 */
typedef struct fe_decider {
    int (*decide)(struct fe_decider *d, const fe_choice *c);
    void *user;
} fe_decider;

/* fe_build_with, asking d at every choice point. */
ir_graph *fe_build_decided(const fe_program *p, const ast_decl *network, const ptr_vec *overrides,
                           fe_decider *d);

/* Folder of the .nas standard library: set at build time or found beside the executable. */
const char *fe_stdlib_dir(void);

/* The standard library file that declares block or fn `name`, or NULL. */
const char *fe_stdlib_file_defining(const char *name);

#endif
