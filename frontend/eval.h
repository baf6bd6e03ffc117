/*
 * Internal interface between the evaluator (eval.c) and the built-in ops
 * and functions (ops.c). Not used outside the frontend.
 */
#ifndef NASC_EVAL_H
#define NASC_EVAL_H

#include <setjmp.h>

#include "frontend.h"

typedef enum {
    V_NONE,
    V_INT,
    V_FLOAT,
    V_BOOL,
    V_STR,
    V_LIST,
    V_TENSOR,   /* tensor: a node index of the graph under construction */
    V_CALLABLE, /* fn: an op, built-in function, block or function */
} value_kind;

typedef struct value_list value_list;
typedef struct callable callable;

typedef struct {
    value_kind kind;
    union {
        int64_t i;
        double f;
        bool b;
        const char *s;
        value_list *list;
        int tensor;
        const callable *fn;
    } as;
} value;

struct value_list {
    int len;
    value *items;
};

/* Argument types of built-in ops. */
typedef enum {
    ARG_TENSOR,
    ARG_INT,
    ARG_PAIR,    /* an integer, or a list [h, w] */
    ARG_BOOL,
    ARG_FLOAT,
    ARG_PARTS,   /* an integer count, or a list of sizes */
} arg_type;

typedef struct {
    const char *name;
    arg_type type;
    bool required;
} op_param;

#define OP_MAX_PARAMS 8

typedef struct op_spec {
    const char *name;
    ir_op op;
    bool variadic;  /* concat: any number of tensors */
    int nparams;
    op_param params[OP_MAX_PARAMS];
} op_spec;

typedef enum {
    CALLABLE_OP,      /* op */
    CALLABLE_BUILTIN, /* builtin: min, max, int, float, round, len, range */
    CALLABLE_DECL,    /* decl: a block, fn or network */
} callable_kind;

struct callable {
    callable_kind kind;
    const char *name;
    const op_spec *op;
    int builtin;
    const ast_decl *decl;
};

typedef struct eval_ctx eval_ctx;

/* An argument after evaluation, with where it came from. */
typedef struct {
    value v;
    src_loc loc;
    bool present;
} bound_arg;

/* ---- eval.c services used by ops.c ---- */

_Noreturn void eval_fail(eval_ctx *ctx, src_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *value_type_name(value v);
int64_t value_to_int(eval_ctx *ctx, value v, src_loc loc, const char *what);
double value_to_float(eval_ctx *ctx, value v, src_loc loc, const char *what);
value make_int(int64_t i);
value make_float(double f);
value make_list(int len);
value make_tensor(int node);
ir_graph *eval_graph(eval_ctx *ctx);
/*
 * The full dotted name of a new layer: the scope's prefix and either the
 * explicit local name (from `as` or a seq index) or KIND_N.
 */
const char *eval_layer_name(eval_ctx *ctx, const char *explicit_name, const char *kind);
int eval_add_node(eval_ctx *ctx, ir_node *proto, src_loc loc);

/* ---- ops.c ---- */

const callable *ops_lookup(const char *name);
/* Calls a built-in op: args are bound to spec->params in order. */
value ops_call(eval_ctx *ctx, const op_spec *spec, bound_arg *args, ptr_vec *rest,
               const char *explicit_name, src_loc loc);
value ops_call_builtin(eval_ctx *ctx, int builtin, value *args, src_loc *locs, int n, src_loc loc);
/* The names known to the language (ops and built-in functions), for suggestions. */
ptr_vec ops_names(void);

#endif
