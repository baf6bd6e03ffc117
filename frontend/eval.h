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


/* An argument after evaluation, with where it came from. */
typedef struct {
    value v;
    src_loc loc;
    bool present;
} bound_arg;

/* ---- evaluation state (eval.c) ---- */

/* Nested block and function calls; real networks nest 3 to 5 blocks deep. */
#define EVAL_MAX_CALL_DEPTH 256

typedef struct {
    const char *name;
    value v;
} variable;

typedef struct frame {
    variable *vars;
    int nvars;
    int cap;
    bool has_input;
    value input;
    bool returned;
    value result;
    const ast_decl *decl; /* NULL for a network */
    src_loc call_loc;
    struct frame *caller;
} frame;

typedef struct {
    const char *kind;
    int count;
} kind_counter;

typedef struct scope {
    const char *prefix; /* "" at the top level */
    ptr_vec counters;   /* of kind_counter */
    int seq_index;      /* next index of the seq that numbers in this scope */
    struct scope *parent;
} scope;

/* A seq under evaluation: its current output. */
typedef struct {
    bool active;
    value current;
} seq_state;

typedef struct {
    const char **keys;
    int *nodes;
    int cap;
    int len;
} name_table;

/* The state of one network evaluation. */
typedef struct eval_ctx {
    const fe_program *prog;
    ir_graph *g;
    frame *frame;
    scope *scope;
    seq_state seq;
    const char *pending;
    src_loc pending_loc;
    int depth;
    int call_depth;
    int64_t steps;
    bool in_callee; /* evaluating the callee of a call or a pipe stage */
    name_table layer_names;
    /* Per node: a hash of the call chain that created it, and its outermost call. */
    uint64_t *origin_hashes;
    src_loc *origin_calls;
    int origin_cap;
    /* Choice points (choice.c): who decides, what was decided, and the
       innermost decision under evaluation. */
    fe_decider *decider;
    ptr_vec decided; /* of decided_choice */
    const char *choice_parent;
    int choice_parent_option;
    int choice_parent_iteration;
    /* In the body of `repeat choice`, at its scope: ".i" joins point names. */
    const char *choice_suffix;
    const struct scope *choice_suffix_scope;
    jmp_buf on_error;
} eval_ctx;

/* ---- eval.c: values, names, expressions, statements ---- */


_Noreturn void eval_fail(eval_ctx *ctx, src_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Like eval_fail, with one extra note (e.g. where something was defined). */
_Noreturn void eval_fail_note(eval_ctx *ctx, src_loc loc, src_loc note_loc, const char *note,
                              const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Prints "in block 'x', called here" notes for the innermost calls. */
void eval_call_notes(eval_ctx *ctx);
value eval_expr(eval_ctx *ctx, const ast_expr *e);
void eval_stmts(eval_ctx *ctx, const ast_stmt *s);
void eval_set_var(frame *f, const char *name, value v);
/* Takes the pending `as` name (or seq index) for the layer being created. */
const char *eval_take_pending(eval_ctx *ctx);
/* Rejects a pending name: `what` adds no layer that could take it. */
void eval_reject_pending(eval_ctx *ctx, const char *what);
/*
 * Adds work to the evaluation's step count, failing past the limit. Each
 * statement, repeat iteration and list element built or compared is a step,
 * so that no input runs for hours.
 */
void eval_charge(eval_ctx *ctx, int64_t steps, src_loc loc);
/* The name after `as`: the literal, or the value of `as (expr)`. */
const char *eval_explicit_name(eval_ctx *ctx, const ast_expr *e);
void eval_push_scope(eval_ctx *ctx, const char *prefix);
void eval_pop_scope(eval_ctx *ctx);
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

/* ---- call.c: calls, pipes and seq ---- */

/* Calls an op, block or function; input is the piped tensor or NULL. */
value eval_call(eval_ctx *ctx, value callee, src_loc callee_loc, const value *input,
                src_loc input_loc, const ptr_vec *args, src_loc loc);
/* Evaluates the callee of a call without letting it take a pending name. */
value eval_callee(eval_ctx *ctx, const ast_expr *callee);
value eval_apply_stage(eval_ctx *ctx, const ast_expr *stage, value input, src_loc input_loc);
/* Runs one line of a seq: a stage applied to the seq's current output. */
void eval_seq_stage(eval_ctx *ctx, const ast_expr *stage);

/* ---- choice.c: choice points ---- */

/* A choice or pick in expression position; named is its `as` wrapper or NULL. */
value eval_choice_expr(eval_ctx *ctx, const ast_expr *choice, const ast_expr *named);
/* A choice used as a pipe or seq stage: the chosen option is applied to input. */
value eval_choice_stage(eval_ctx *ctx, const ast_expr *choice, const ast_expr *named, value input,
                        src_loc input_loc);
/* `repeat choice(...) { }`: the body runs the chosen number of times. */
void eval_repeat_choice(eval_ctx *ctx, const ast_expr *count, const ast_stmt *body);
/* The choice under an `as`, or e itself when it is a choice; NULL otherwise. */
const ast_expr *eval_as_choice(const ast_expr *e);

/* ---- ops.c ---- */

const callable *ops_lookup(const char *name);
/* Calls a built-in op: args are bound to spec->params in order. */
value ops_call(eval_ctx *ctx, const op_spec *spec, bound_arg *args, ptr_vec *rest,
               const char *explicit_name, src_loc loc);
value ops_call_builtin(eval_ctx *ctx, int builtin, value *args, src_loc *locs, int n, src_loc loc);
/* The names known to the language (ops and built-in functions), for suggestions. */
ptr_vec ops_names(void);

#endif
