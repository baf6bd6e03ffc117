/*
 * The evaluator: runs a network's body once and emits one IR node per op
 * call.
 *
 * Values are plain structs (see eval.h). Variables live in one frame per
 * block, function or network invocation; `if` and `repeat` bodies share
 * their frame, as in Python. Blocks see only their own frame and the global
 * table of blocks, functions and ops, never their caller's variables.
 *
 * Layer names come from a stack of scopes. A block call or a named seq
 * pushes a scope whose prefix is the call's full layer name. A layer's
 * local name is, in order of preference: the `as` name, its index in the
 * seq it is a stage of, or KIND_N. The explicit name travels from an
 * `as` (or a seq index) to the construct that creates the layer through
 * ctx->pending; every construct that creates a layer takes it on entry,
 * before evaluating its arguments, and every other construct rejects it.
 *
 * Calls, pipes and seq are in call.c. This file contains values, variables,
 * layer names, arithmetic, expressions, statements and the network entry.
 *
 * The first error stops evaluation (a longjmp back to fe_build); parse
 * errors, in contrast, are reported several at a time by the parser.
 * Recursion depth, call depth, steps and list lengths are bounded, so no
 * input can exhaust the stack or loop for hours.
 */
#include "eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Nested evaluation of expressions and statements, block calls included.
 * Real files nest a few dozen levels. The bound keeps the C stack of the
 * evaluator below 2 MiB, a quarter of the usual 8 MiB, even under
 * AddressSanitizer (measured with `ulimit -s 2048` on 3,000 nested `not`
 * and on 256 nested block calls).
 */
#define EVAL_MAX_DEPTH 3000
/* Statements executed while building one network, repeat iterations included. */
#define EVAL_MAX_STEPS 20000000
#define EVAL_MAX_STEPS_TEXT "20,000,000"
/* Elements in one list, e.g. from range(); keeps memory bounded. */
#define EVAL_MAX_LIST 1000000


/* ---- errors ---- */

void eval_call_notes(eval_ctx *ctx)
{
    enum { MAX_NOTES = 4 };
    int shown = 0;
    for (frame *f = ctx->frame; f && f->decl; f = f->caller) {
        if (shown == MAX_NOTES) {
            diag_note(f->call_loc, "and in further calls");
            break;
        }
        diag_note(f->call_loc, "in %s '%s', called here",
                  f->decl->kind == DECL_BLOCK ? "block" : "function", f->decl->name);
        shown++;
    }
}

_Noreturn void eval_fail(eval_ctx *ctx, src_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_verror(loc, fmt, ap);
    va_end(ap);
    eval_call_notes(ctx);
    longjmp(ctx->on_error, 1);
}

_Noreturn void eval_fail_note(eval_ctx *ctx, src_loc loc, src_loc note_loc,
                                     const char *note, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_verror(loc, fmt, ap);
    va_end(ap);
    diag_note(note_loc, "%s", note);
    eval_call_notes(ctx);
    longjmp(ctx->on_error, 1);
}

/* ---- values ---- */

value make_int(int64_t i)
{
    value v = {V_INT, {.i = i}};
    return v;
}

value make_float(double f)
{
    value v = {V_FLOAT, {.f = f}};
    return v;
}

static value make_bool(bool b)
{
    value v = {V_BOOL, {.b = b}};
    return v;
}

value make_tensor(int node)
{
    value v = {V_TENSOR, {.tensor = node}};
    return v;
}

value make_list(int len)
{
    value v = {V_LIST, {.list = arena_alloc(sizeof(value_list))}};
    v.as.list->len = len;
    v.as.list->items = arena_alloc(sizeof(value) * (size_t)(len ? len : 1));
    return v;
}

static value make_callable(const callable *fn)
{
    value v = {V_CALLABLE, {.fn = fn}};
    return v;
}

const char *value_type_name(value v)
{
    switch (v.kind) {
    case V_NONE: return "nothing";
    case V_INT: return "an integer";
    case V_FLOAT: return "a float";
    case V_BOOL: return "a boolean";
    case V_STR: return "a string";
    case V_LIST: return "a list";
    case V_TENSOR: return "a tensor";
    case V_CALLABLE: return "an op or block";
    }
    NASC_UNREACHABLE();
}

int64_t value_to_int(eval_ctx *ctx, value v, src_loc loc, const char *what)
{
    if (v.kind == V_INT)
        return v.as.i;
    if (v.kind == V_FLOAT && v.as.f == floor(v.as.f) && v.as.f >= -9223372036854775808.0 &&
        v.as.f < 9223372036854775808.0)
        return (int64_t)v.as.f;
    if (v.kind == V_FLOAT)
        eval_fail(ctx, loc, "%s must be an integer, got %g", what, v.as.f);
    if (v.kind == V_TENSOR)
        eval_fail(ctx, loc, "%s must be an integer, got a tensor (if it is the input of a pipe "
                            "stage or seq line, leave it out: the stage gets it implicitly)",
                  what);
    eval_fail(ctx, loc, "%s must be an integer, got %s", what, value_type_name(v));
}

double value_to_float(eval_ctx *ctx, value v, src_loc loc, const char *what)
{
    if (v.kind == V_INT)
        return (double)v.as.i;
    if (v.kind == V_FLOAT)
        return v.as.f;
    eval_fail(ctx, loc, "%s must be a number, got %s", what, value_type_name(v));
}

static bool value_to_bool(eval_ctx *ctx, value v, src_loc loc)
{
    if (v.kind != V_BOOL)
        eval_fail(ctx, loc, "a condition must be a boolean, got %s", value_type_name(v));
    return v.as.b;
}

ir_graph *eval_graph(eval_ctx *ctx)
{
    return ctx->g;
}

/* ---- variables ---- */

static value *find_var(frame *f, const char *name)
{
    for (int i = f->nvars - 1; i >= 0; i--)
        if (strcmp(f->vars[i].name, name) == 0)
            return &f->vars[i].v;
    return NULL;
}

void eval_set_var(frame *f, const char *name, value v)
{
    value *slot = find_var(f, name);
    if (slot) {
        *slot = v;
        return;
    }
    if (f->nvars == f->cap) {
        int cap = f->cap ? f->cap * 2 : 8;
        f->vars = arena_grow(f->vars, sizeof(variable) * (size_t)f->nvars,
                             sizeof(variable) * (size_t)cap);
        f->cap = cap;
    }
    f->vars[f->nvars++] = (variable){name, v};
}

static const ast_decl *find_decl(const fe_program *p, const char *name)
{
    for (int i = 0; i < p->decls.len; i++) {
        const ast_decl *d = p->decls.items[i];
        if (strcmp(d->name, name) == 0)
            return d;
    }
    return NULL;
}

static int edit_distance(const char *a, const char *b)
{
    enum { MAX = 32 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= MAX || lb >= MAX)
        return MAX;
    int d[MAX + 1][MAX + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            /* A swap of two neighbours ("cnov" for "conv") counts as one edit. */
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

static void consider(const char *name, const char *candidate, const char **best, int *best_d)
{
    if (strlen(candidate) < 2)
        return;
    int d = edit_distance(name, candidate);
    if (d < *best_d && d <= 2 && (size_t)d * 2 < strlen(name) + 1) {
        *best = candidate;
        *best_d = d;
    }
}

/* Names that users of PyTorch and other frameworks type for nasc's ops. */
static const char *const op_aliases[][2] = {
    {"batchnorm", "bn"}, {"batch_norm", "bn"}, {"BatchNorm2d", "bn"}, {"conv2d", "conv"},
    {"Conv2d", "conv"}, {"Linear", "linear"}, {"fc", "linear"}, {"dense", "linear"},
    {"max_pool", "maxpool"}, {"max_pool2d", "maxpool"}, {"MaxPool2d", "maxpool"},
    {"avg_pool", "avgpool"}, {"avg_pool2d", "avgpool"}, {"AvgPool2d", "avgpool"},
    {"adaptive_avg_pool2d", "global_avgpool"}, {"AdaptiveAvgPool2d", "global_avgpool"},
    {"gap", "global_avgpool"}, {"cat", "concat"}, {"chunk", "split"},
    {"channel_shuffle", "shuffle"}, {"hard_swish", "hardswish"}, {"hswish", "hardswish"},
    {"hard_sigmoid", "hardsigmoid"}, {"hsigmoid", "hardsigmoid"}, {"ReLU", "relu"},
    {"ReLU6", "relu6"}, {"Dropout", "dropout"}, {"Flatten", "flatten"},
    {"Identity", "identity"}, {"none", "zero"}, {"skip", "identity"}, {"True", "true"},
    {"False", "false"}, {"pow", "**"},
};

/* The visible name closest to `name`, for "did you mean" hints, or NULL. */
static const char *suggest(eval_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < sizeof op_aliases / sizeof op_aliases[0]; i++)
        if (strcmp(name, op_aliases[i][0]) == 0)
            return op_aliases[i][1];

    const char *best = NULL;
    int best_d = 1000;
    for (int i = 0; i < ctx->frame->nvars; i++)
        consider(name, ctx->frame->vars[i].name, &best, &best_d);
    for (int i = 0; i < ctx->prog->decls.len; i++) {
        const ast_decl *d = ctx->prog->decls.items[i];
        if (d->kind != DECL_NETWORK) /* networks cannot be used by name */
            consider(name, d->name, &best, &best_d);
    }
    ptr_vec ops = ops_names();
    for (int i = 0; i < ops.len; i++)
        consider(name, ops.items[i], &best, &best_d);
    return best;
}

/* "BasicBlock" -> "basic_block", for names copied from PyTorch classes. */
static const char *snake_case(const char *name)
{
    size_t len = strlen(name);
    char *out = arena_alloc(len * 2 + 1);
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z') {
            if (i > 0 && name[i - 1] != '_')
                out[k++] = '_';
            c = (char)(c - 'A' + 'a');
        }
        out[k++] = c;
    }
    out[k] = '\0';
    return out;
}

static value lookup(eval_ctx *ctx, const char *name, src_loc loc)
{
    value *v = find_var(ctx->frame, name);
    if (v)
        return *v;

    const ast_decl *d = find_decl(ctx->prog, name);
    if (d) {
        callable *fn = arena_alloc(sizeof *fn);
        fn->kind = CALLABLE_DECL;
        fn->name = d->name;
        fn->decl = d;
        return make_callable(fn);
    }
    const callable *op = ops_lookup(name);
    if (op)
        return make_callable(op);

    const char *what = ctx->in_callee ? "op, block or function" : "name";
    if (strcmp(name, "None") == 0)
        eval_fail(ctx, loc, "unknown name 'None'; .nas has no None: leave an optional argument "
                            "out, or pass identity for no activation");
    if (strcmp(name, "nn") == 0 || strcmp(name, "torch") == 0 || strcmp(name, "F") == 0)
        eval_fail(ctx, loc, "unknown name '%s'; there are no modules: call ops directly, "
                            "e.g. conv(x, 16, k = 3)", name);
    static const char *const unsupported[] = {
        "silu", "swish", "gelu", "mish", "elu", "leaky_relu", "prelu", "tanh", "softmax",
        "layernorm", "layer_norm", "groupnorm", "upsample", "interpolate", "adaptive_avgpool",
    };
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
        if (strcmp(name, unsupported[i]) == 0)
            eval_fail(ctx, loc, "'%s' is not an op of nasc (the ops are listed in "
                                "docs/language.md)%s", name,
                      strcmp(name, "adaptive_avgpool") == 0
                          ? "; global_avgpool pools to 1x1, the only adaptive size supported"
                          : "");
    const char *snake = snake_case(name);
    if (strcmp(snake, name) != 0 && (find_decl(ctx->prog, snake) || fe_stdlib_file_defining(snake)))
        eval_fail(ctx, loc, "unknown %s '%s'; did you mean '%s'?%s", what, name, snake,
                  find_decl(ctx->prog, snake)
                      ? ""
                      : arena_printf(" (add 'import \"%s\"')", fe_stdlib_file_defining(snake)));
    const char *library_file = fe_stdlib_file_defining(name);
    if (library_file)
        eval_fail(ctx, loc, "unknown %s '%s'; it is defined in the standard library: add "
                            "'import \"%s\"'", what, name, library_file);
    const char *hint = suggest(ctx, name);
    if (hint)
        eval_fail(ctx, loc, "unknown %s '%s'; did you mean '%s'?", what, name, hint);
    eval_fail(ctx, loc, "unknown %s '%s'", what, name);
}

/* ---- layer names ---- */

static uint32_t hash_name(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Returns the node already registered under key, or registers node and returns -1. */
static int claim_name(name_table *t, const char *key, int node)
{
    if (t->len * 2 >= t->cap) {
        name_table bigger = {0};
        bigger.cap = t->cap ? t->cap * 2 : 256;
        bigger.keys = arena_alloc(sizeof(char *) * (size_t)bigger.cap);
        bigger.nodes = arena_alloc(sizeof(int) * (size_t)bigger.cap);
        for (int i = 0; i < t->cap; i++)
            if (t->keys[i])
                claim_name(&bigger, t->keys[i], t->nodes[i]);
        *t = bigger;
    }
    uint32_t mask = (uint32_t)t->cap - 1;
    for (uint32_t i = hash_name(key) & mask;; i = (i + 1) & mask) {
        if (!t->keys[i]) {
            t->keys[i] = key;
            t->nodes[i] = node;
            t->len++;
            return -1;
        }
        if (strcmp(t->keys[i], key) == 0)
            return t->nodes[i];
    }
}

const char *eval_take_pending(eval_ctx *ctx)
{
    const char *name = ctx->pending;
    ctx->pending = NULL;
    return name;
}

void eval_reject_pending(eval_ctx *ctx, const char *what)
{
    if (ctx->pending)
        eval_fail(ctx, ctx->pending_loc, "'as' names a layer, but %s adds none ('as' binds "
                                         "tighter than operators, so 'a + b as s' names only b)",
                  what);
}

const char *eval_layer_name(eval_ctx *ctx, const char *explicit_name, const char *kind)
{
    scope *s = ctx->scope;
    const char *local = explicit_name;
    if (!local) {
        kind_counter *counter = NULL;
        for (int i = 0; i < s->counters.len; i++) {
            kind_counter *c = s->counters.items[i];
            if (strcmp(c->kind, kind) == 0)
                counter = c;
        }
        if (!counter) {
            counter = arena_alloc(sizeof *counter);
            counter->kind = kind;
            vec_push(&s->counters, counter);
        }
        local = arena_printf("%s_%d", kind, counter->count++);
    }
    return s->prefix[0] ? arena_printf("%s.%s", s->prefix, local) : local;
}

void eval_push_scope(eval_ctx *ctx, const char *prefix)
{
    scope *s = arena_alloc(sizeof *s);
    s->prefix = prefix;
    s->parent = ctx->scope;
    ctx->scope = s;
}

void eval_pop_scope(eval_ctx *ctx)
{
    ctx->scope = ctx->scope->parent;
}

/*
 * Records where node `id` comes from. The first fact is a hash of its own
 * location and of every call it sits in. Two nodes share it only when they
 * come from the same source line through the same calls, as on two passes
 * of a repeat. The second is the outermost call, in the network's body.
 */
static void record_origin(eval_ctx *ctx, int id, src_loc loc)
{
    if (id >= ctx->origin_cap) {
        int cap = ctx->origin_cap ? ctx->origin_cap * 2 : 256;
        while (cap <= id)
            cap *= 2;
        ctx->origin_hashes = arena_grow(ctx->origin_hashes,
                                        sizeof(uint64_t) * (size_t)ctx->origin_cap,
                                        sizeof(uint64_t) * (size_t)cap);
        ctx->origin_calls = arena_grow(ctx->origin_calls, sizeof(src_loc) * (size_t)ctx->origin_cap,
                                       sizeof(src_loc) * (size_t)cap);
        ctx->origin_cap = cap;
    }
    uint64_t h = 1469598103934665603u;
    src_loc outermost = loc;
    h = (h ^ ((uint64_t)(uint32_t)loc.file << 32 | loc.start)) * 1099511628211u;
    for (frame *f = ctx->frame; f && f->decl; f = f->caller) {
        h = (h ^ ((uint64_t)(uint32_t)f->call_loc.file << 32 | f->call_loc.start)) * 1099511628211u;
        outermost = f->call_loc;
    }
    ctx->origin_hashes[id] = h;
    ctx->origin_calls[id] = outermost;
}

int eval_add_node(eval_ctx *ctx, ir_node *proto, src_loc loc)
{
    proto->loc = loc;
    for (frame *f = ctx->frame; f && f->decl; f = f->caller)
        if (f->decl->kind == DECL_FN)
            eval_fail_note(ctx, loc, f->decl->loc, arena_printf("'%s' is defined here", f->decl->name),
                           "function '%s' cannot add layers; functions compute values, so make "
                           "it a block", f->decl->name);
    const char *error;
    int id = ir_add_node(ctx->g, proto, &error);
    if (id < 0) {
        /* Messages start with "op: "; put the layer name after the op. */
        const char *op = ir_op_name(proto->op);
        size_t len = strlen(op);
        if (strncmp(error, op, len) == 0 && error[len] == ':')
            eval_fail(ctx, loc, "%s '%s'%s", op, proto->name, error + len);
        eval_fail(ctx, loc, "%s", error);
    }
    record_origin(ctx, id, loc);
    if (ir_node_params(ctx->g, &ctx->g->nodes[id]) > 0) {
        int earlier = claim_name(&ctx->layer_names, proto->name, id);
        src_loc first = earlier >= 0 ? ctx->g->nodes[earlier].loc : loc;
        bool same_place = earlier >= 0 && ctx->origin_hashes[earlier] == ctx->origin_hashes[id];
        /* Two calls of one block: point at the call that made the earlier layer. */
        if (earlier >= 0 && first.file == loc.file && first.start == loc.start)
            first = ctx->origin_calls[earlier];
        if (earlier >= 0 && same_place)
            eval_fail(ctx, loc, "layer name '%s' is used twice by this same call, once on each "
                                "pass of a repeat or each call of a block; give the enclosing "
                                "layer a name that differs on each pass, e.g. "
                                "'as (\"layer\" + str(i))'", proto->name);
        if (earlier >= 0)
            eval_fail_note(ctx, loc, first, "the earlier layer with that name comes from here",
                           "layer name '%s' is already used by another layer with parameters",
                           proto->name);
    }
    return id;
}

/* ---- arithmetic ---- */

static value arith_float(eval_ctx *ctx, ast_operator op, double a, double b, src_loc loc);

static value arith_int(eval_ctx *ctx, ast_operator op, int64_t a, int64_t b, src_loc loc)
{
    int64_t r = 0;
    bool overflow = false;
    switch (op) {
    case OP_ADD: overflow = __builtin_add_overflow(a, b, &r); break;
    case OP_SUB: overflow = __builtin_sub_overflow(a, b, &r); break;
    case OP_MUL: overflow = __builtin_mul_overflow(a, b, &r); break;
    case OP_DIV:
        if (b == 0)
            eval_fail(ctx, loc, "division by zero");
        return make_float((double)a / (double)b);
    case OP_POW: {
        if (b < 0)
            return arith_float(ctx, op, (double)a, (double)b, loc);
        /* Exponentiation by squaring; base squared is computed only while bits remain. */
        int64_t base = a;
        r = 1;
        for (int64_t e = b; e > 0 && !overflow; e >>= 1) {
            if (e & 1)
                overflow = __builtin_mul_overflow(r, base, &r);
            if (e > 1 && !overflow)
                overflow = __builtin_mul_overflow(base, base, &base);
        }
        break;
    }
    case OP_FLOORDIV:
    case OP_MOD:
        if (b == 0)
            eval_fail(ctx, loc, "division by zero");
        if (a == INT64_MIN && b == -1) {
            overflow = true;
            break;
        }
        r = op == OP_FLOORDIV ? a / b : a % b;
        /* Python rounds toward negative infinity; C toward zero. */
        if (op == OP_FLOORDIV && (a % b != 0) && ((a < 0) != (b < 0)))
            r--;
        if (op == OP_MOD && r != 0 && ((r < 0) != (b < 0)))
            r += b;
        break;
    default:
        NASC_UNREACHABLE();
    }
    if (overflow)
        eval_fail(ctx, loc, "integer overflow in this expression");
    return make_int(r);
}

/*
 * Python's float % and //, computed as CPython does (float_divmod): from the
 * exact remainder fmod(a, b), so that 1 // 0.1 is 9.0 and 1 % 0.1 is about
 * 0.09999999999999995, not the 10.0 and 0.0 that floor(a / b) gives.
 */
static double python_mod(double a, double b)
{
    double mod = fmod(a, b);
    if (mod != 0 && ((b < 0) != (mod < 0)))
        mod += b;
    return mod != 0 ? mod : copysign(0.0, b);
}

static double python_floordiv(double a, double b)
{
    double mod = fmod(a, b);
    double div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0)))
        div -= 1.0;
    if (div == 0)
        return copysign(0.0, a / b);
    double floordiv = floor(div);
    if (div - floordiv > 0.5)
        floordiv += 1.0;
    return floordiv;
}

static value arith_float(eval_ctx *ctx, ast_operator op, double a, double b, src_loc loc)
{
    switch (op) {
    case OP_POW:
        if (a == 0 && b < 0)
            eval_fail(ctx, loc, "division by zero (0 raised to a negative power)");
        if (a < 0 && b != floor(b))
            eval_fail(ctx, loc, "a negative number raised to a fractional power is not real");
        return make_float(pow(a, b));
    case OP_ADD: return make_float(a + b);
    case OP_SUB: return make_float(a - b);
    case OP_MUL: return make_float(a * b);
    case OP_DIV:
    case OP_FLOORDIV:
    case OP_MOD:
        if (b == 0)
            eval_fail(ctx, loc, "division by zero");
        if (op == OP_DIV)
            return make_float(a / b);
        return op == OP_FLOORDIV ? make_float(python_floordiv(a, b)) : make_float(python_mod(a, b));
    default:
        NASC_UNREACHABLE();
    }
}

static bool values_equal(value a, value b)
{
    if ((a.kind == V_INT || a.kind == V_FLOAT) && (b.kind == V_INT || b.kind == V_FLOAT)) {
        if (a.kind == V_INT && b.kind == V_INT)
            return a.as.i == b.as.i;
        return (a.kind == V_INT ? (double)a.as.i : a.as.f) ==
               (b.kind == V_INT ? (double)b.as.i : b.as.f);
    }
    if (a.kind != b.kind)
        return false;
    switch (a.kind) {
    case V_BOOL: return a.as.b == b.as.b;
    case V_STR: return strcmp(a.as.s, b.as.s) == 0;
    case V_TENSOR: return a.as.tensor == b.as.tensor;
    case V_CALLABLE:
        if (a.as.fn->kind != b.as.fn->kind)
            return false;
        return a.as.fn->kind == CALLABLE_DECL ? a.as.fn->decl == b.as.fn->decl
                                              : a.as.fn == b.as.fn;
    case V_LIST:
        if (a.as.list->len != b.as.list->len)
            return false;
        for (int i = 0; i < a.as.list->len; i++)
            if (!values_equal(a.as.list->items[i], b.as.list->items[i]))
                return false;
        return true;
    default:
        return true;
    }
}

static value compare(eval_ctx *ctx, const ast_expr *e, value a, value b)
{
    if (a.kind == V_LIST && b.kind == V_LIST)
        eval_charge(ctx, a.as.list->len < b.as.list->len ? a.as.list->len : b.as.list->len,
                    e->loc);
    if (e->op == OP_EQ)
        return make_bool(values_equal(a, b));
    if (e->op == OP_NE)
        return make_bool(!values_equal(a, b));
    bool numbers = (a.kind == V_INT || a.kind == V_FLOAT) && (b.kind == V_INT || b.kind == V_FLOAT);
    if (!numbers)
        eval_fail(ctx, e->loc, "cannot order %s and %s; only numbers compare with < and >",
                  value_type_name(a), value_type_name(b));
    int c;
    if (a.kind == V_INT && b.kind == V_INT) {
        c = (a.as.i > b.as.i) - (a.as.i < b.as.i);
    } else {
        double x = a.kind == V_INT ? (double)a.as.i : a.as.f;
        double y = b.kind == V_INT ? (double)b.as.i : b.as.f;
        c = (x > y) - (x < y);
    }
    switch (e->op) {
    case OP_LT: return make_bool(c < 0);
    case OP_LE: return make_bool(c <= 0);
    case OP_GT: return make_bool(c > 0);
    case OP_GE: return make_bool(c >= 0);
    default: NASC_UNREACHABLE();
    }
}

static value tensor_binary(eval_ctx *ctx, const ast_expr *e, value a, value b, const char *name)
{
    if (a.kind != V_TENSOR || b.kind != V_TENSOR || (e->op != OP_ADD && e->op != OP_MUL))
        eval_fail(ctx, e->loc, "tensors support only '+' (add) and '*' (mul) with another "
                               "tensor; got %s and %s", value_type_name(a), value_type_name(b));
    const char *kind = e->op == OP_ADD ? "add" : "mul";
    ir_node proto = {0};
    proto.op = e->op == OP_ADD ? IR_ADD : IR_MUL;
    proto.name = eval_layer_name(ctx, name, kind);
    int inputs[2] = {a.as.tensor, b.as.tensor};
    proto.inputs = inputs;
    proto.ninputs = 2;
    return make_tensor(eval_add_node(ctx, &proto, e->loc));
}

/* Applies one arithmetic, comparison or tensor operator to evaluated operands. */
static value apply_binary(eval_ctx *ctx, const ast_expr *e, value a, value b, const char *name,
                          src_loc name_loc)
{
    if (a.kind == V_TENSOR || b.kind == V_TENSOR)
        return tensor_binary(ctx, e, a, b, name);
    if (name)
        eval_fail(ctx, name_loc, "'as' names a layer, but this expression adds none");

    if (e->op >= OP_EQ && e->op <= OP_GE)
        return compare(ctx, e, a, b);
    if (e->op == OP_ADD && a.kind == V_STR && b.kind == V_STR)
        return (value){V_STR, {.s = arena_printf("%s%s", a.as.s, b.as.s)}};
    if (e->op == OP_ADD && a.kind == V_LIST && b.kind == V_LIST) {
        int64_t len = (int64_t)a.as.list->len + b.as.list->len;
        if (len > EVAL_MAX_LIST)
            eval_fail(ctx, e->loc, "list longer than %d elements", EVAL_MAX_LIST);
        eval_charge(ctx, len, e->loc);
        value r = make_list((int)len);
        memcpy(r.as.list->items, a.as.list->items, sizeof(value) * (size_t)a.as.list->len);
        memcpy(r.as.list->items + a.as.list->len, b.as.list->items,
               sizeof(value) * (size_t)b.as.list->len);
        return r;
    }
    bool numbers = (a.kind == V_INT || a.kind == V_FLOAT) && (b.kind == V_INT || b.kind == V_FLOAT);
    if (!numbers)
        eval_fail(ctx, e->loc, "arithmetic needs numbers, got %s and %s", value_type_name(a),
                  value_type_name(b));
    if (a.kind == V_INT && b.kind == V_INT)
        return arith_int(ctx, e->op, a.as.i, b.as.i, e->loc);
    return arith_float(ctx, e->op, a.kind == V_INT ? (double)a.as.i : a.as.f,
                       b.kind == V_INT ? (double)b.as.i : b.as.f, e->loc);
}

static bool is_chain_operator(const ast_expr *e)
{
    return e->kind == AST_BINARY && e->op != OP_AND && e->op != OP_OR;
}

/*
 * Left-associative chains such as `a + b + c + ...` form a left-deep tree.
 * They are folded in a loop, so a long sum does not recurse once per term.
 */
static value eval_binary(eval_ctx *ctx, const ast_expr *e)
{
    const char *name = eval_take_pending(ctx);
    src_loc name_loc = ctx->pending_loc;

    if (!is_chain_operator(e)) {
        if (name)
            eval_fail(ctx, name_loc, "'as' names a layer, but this expression adds none");
        bool a = value_to_bool(ctx, eval_expr(ctx, e->lhs), e->lhs->loc);
        if (e->op == OP_AND ? !a : a)
            return make_bool(a);
        return make_bool(value_to_bool(ctx, eval_expr(ctx, e->rhs), e->rhs->loc));
    }

    int n = 0;
    const ast_expr *leftmost = e;
    while (is_chain_operator(leftmost)) {
        n++;
        leftmost = leftmost->lhs;
    }
    const ast_expr **chain = arena_alloc(sizeof(ast_expr *) * (size_t)n);
    const ast_expr *node = e;
    for (int i = n - 1; i >= 0; i--) {
        chain[i] = node;
        node = node->lhs;
    }

    value acc = eval_expr(ctx, leftmost);
    for (int i = 0; i < n; i++) {
        value rhs = eval_expr(ctx, chain[i]->rhs);
        bool outermost = i == n - 1;
        acc = apply_binary(ctx, chain[i], acc, rhs, outermost ? name : NULL, name_loc);
    }
    return acc;
}

static value eval_unary(eval_ctx *ctx, const ast_expr *e)
{
    value a = eval_expr(ctx, e->lhs);
    if (e->op == OP_NOT)
        return make_bool(!value_to_bool(ctx, a, e->lhs->loc));
    if (a.kind == V_INT) {
        if (a.as.i == INT64_MIN)
            eval_fail(ctx, e->loc, "integer overflow in this expression");
        return make_int(-a.as.i);
    }
    if (a.kind == V_FLOAT)
        return make_float(-a.as.f);
    eval_fail(ctx, e->loc, "'-' needs a number, got %s", value_type_name(a));
}

/* ---- expressions ---- */

static value eval_member(eval_ctx *ctx, const ast_expr *e)
{
    value obj = eval_expr(ctx, e->lhs);
    if (obj.kind == V_TENSOR) {
        ir_shape s = ctx->g->nodes[obj.as.tensor].shape;
        if (strcmp(e->s, "c") == 0)
            return make_int(s.c);
        if (strcmp(e->s, "h") == 0)
            return make_int(s.h);
        if (strcmp(e->s, "w") == 0)
            return make_int(s.w);
        if (strcmp(e->s, "shape") == 0) {
            value l = make_list(3);
            l.as.list->items[0] = make_int(s.c);
            l.as.list->items[1] = make_int(s.h);
            l.as.list->items[2] = make_int(s.w);
            return l;
        }
        eval_fail(ctx, e->name_loc, "a tensor has no member '%s' (it has c, h, w and shape)",
                  e->s);
    }
    eval_fail(ctx, e->name_loc, "'.%s' needs a tensor, got %s", e->s, value_type_name(obj));
}

static value eval_index(eval_ctx *ctx, const ast_expr *e)
{
    value obj = eval_expr(ctx, e->lhs);
    value idx = eval_expr(ctx, e->rhs);
    if (obj.kind != V_LIST)
        eval_fail(ctx, e->lhs->loc, "only lists can be indexed, this is %s",
                  value_type_name(obj));
    int64_t i = value_to_int(ctx, idx, e->rhs->loc, "a list index");
    int64_t len = obj.as.list->len;
    if (i < -len || i >= len)
        eval_fail(ctx, e->rhs->loc, "index %lld is out of range for a list of %lld elements",
                  (long long)i, (long long)len);
    return obj.as.list->items[i < 0 ? i + len : i];
}

static value eval_list(eval_ctx *ctx, const ast_expr *e)
{
    eval_charge(ctx, e->list.len, e->loc);
    value l = make_list(e->list.len);
    for (int i = 0; i < e->list.len; i++)
        l.as.list->items[i] = eval_expr(ctx, e->list.items[i]);
    return l;
}

/* A layer name from a value: a non-negative integer or a string of [A-Za-z0-9_]. */
static const char *name_from_value(eval_ctx *ctx, value v, src_loc loc)
{
    if (v.kind == V_INT) {
        if (v.as.i < 0)
            eval_fail(ctx, loc, "a layer name must not be negative, got %lld", (long long)v.as.i);
        return arena_printf("%lld", (long long)v.as.i);
    }
    if (v.kind != V_STR)
        eval_fail(ctx, loc, "a layer name must be a string or an integer, got %s",
                  value_type_name(v));
    if (!v.as.s[0])
        eval_fail(ctx, loc, "a layer name must not be empty");
    /* Dots name a layer in nested scopes ("a.b.c"), as a flattened network needs. */
    for (const char *c = v.as.s; *c; c++) {
        bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9') || *c == '_';
        bool dot_ok = *c == '.' && c != v.as.s && c[-1] != '.' && c[1] != '\0';
        if (!ok && !dot_ok)
            eval_fail(ctx, loc, "layer name '%s' may contain only letters, digits and '_', "
                                "and dots between them", v.as.s);
    }
    return v.as.s;
}

const char *eval_explicit_name(eval_ctx *ctx, const ast_expr *e)
{
    if (!e->name_expr)
        return e->s;
    const char *pending = eval_take_pending(ctx);
    src_loc pending_loc = ctx->pending_loc;
    value v = eval_expr(ctx, e->name_expr);
    ctx->pending = pending;
    ctx->pending_loc = pending_loc;
    return name_from_value(ctx, v, e->name_expr->loc);
}

static value eval_named(eval_ctx *ctx, const ast_expr *e)
{
    if (ctx->pending)
        eval_fail(ctx, e->name_loc, "this layer is named twice");
    const char *name = eval_explicit_name(ctx, e);
    ctx->pending = name;
    ctx->pending_loc = e->name_loc;
    value v = eval_expr(ctx, e->lhs);
    eval_reject_pending(ctx, "this expression");
    return v;
}

static value eval_pipe(eval_ctx *ctx, const ast_expr *e)
{
    const char *pending = eval_take_pending(ctx);
    src_loc pending_loc = ctx->pending_loc;
    value input = eval_expr(ctx, e->lhs);
    if (input.kind != V_TENSOR)
        eval_fail(ctx, e->lhs->loc, "the left side of '|' must be a tensor, got %s",
                  value_type_name(input));
    ctx->pending = pending;
    ctx->pending_loc = pending_loc;
    return eval_apply_stage(ctx, e->rhs, input, e->lhs->loc);
}

static value eval_cond(eval_ctx *ctx, const ast_expr *e)
{
    const char *pending = eval_take_pending(ctx);
    src_loc pending_loc = ctx->pending_loc;
    bool c = value_to_bool(ctx, eval_expr(ctx, e->cond), e->cond->loc);
    ctx->pending = pending;
    ctx->pending_loc = pending_loc;
    return eval_expr(ctx, c ? e->then_expr : e->else_expr);
}

static value eval_inner(eval_ctx *ctx, const ast_expr *e)
{
    switch (e->kind) {
    case AST_INT:
        return make_int(e->i);
    case AST_FLOAT:
        return make_float(e->f);
    case AST_BOOL:
        return make_bool(e->b);
    case AST_STRING: {
        value v = {V_STR, {.s = e->s}};
        return v;
    }
    case AST_NAME:
        return lookup(ctx, e->s, e->loc);
    case AST_IN:
        if (!ctx->frame->has_input)
            eval_fail(ctx, e->loc, "'in' exists only inside a block or network");
        return ctx->frame->input;
    case AST_LIST:
        return eval_list(ctx, e);
    case AST_UNARY:
        return eval_unary(ctx, e);
    case AST_BINARY:
        return eval_binary(ctx, e);
    case AST_COND:
        return eval_cond(ctx, e);
    case AST_CALL: {
        value fn = eval_callee(ctx, e->callee);
        return eval_call(ctx, fn, e->callee->loc, NULL, SRC_NONE, &e->args, e->loc);
    }
    case AST_MEMBER:
        return eval_member(ctx, e);
    case AST_INDEX:
        return eval_index(ctx, e);
    case AST_PIPE:
        return eval_pipe(ctx, e);
    case AST_SEQ:
        eval_fail(ctx, e->loc, "a seq needs an input: write 'x | seq { ... }'");
    case AST_NAMED:
        if (eval_as_choice(e))
            return eval_choice_expr(ctx, e->lhs, e);
        return eval_named(ctx, e);
    case AST_CHOICE:
    case AST_PICK:
        return eval_choice_expr(ctx, e, NULL);
    }
    NASC_UNREACHABLE();
}

value eval_expr(eval_ctx *ctx, const ast_expr *e)
{
    if (++ctx->depth > EVAL_MAX_DEPTH)
        eval_fail(ctx, e->loc, "expression nested deeper than %d levels; split it into "
                               "several statements", EVAL_MAX_DEPTH);
    bool layer_kind = e->kind == AST_CALL || e->kind == AST_BINARY || e->kind == AST_PIPE ||
                      e->kind == AST_NAMED || e->kind == AST_COND || e->kind == AST_SEQ;
    if (!layer_kind)
        eval_reject_pending(ctx, "this expression");
    value v = eval_inner(ctx, e);
    ctx->depth--;
    return v;
}

/* ---- statements ---- */

void eval_charge(eval_ctx *ctx, int64_t steps, src_loc loc)
{
    ctx->steps += steps;
    if (ctx->steps > EVAL_MAX_STEPS)
        eval_fail(ctx, loc, "building the network takes more than " EVAL_MAX_STEPS_TEXT
                            " steps (statements, repeat iterations and list elements "
                            "handled); is a repeat count or list too large?");
}

static void count_step(eval_ctx *ctx, src_loc loc)
{
    eval_charge(ctx, 1, loc);
}

static void exec_assign(eval_ctx *ctx, const ast_stmt *s)
{
    value v = eval_expr(ctx, s->value);
    if (s->targets.len == 1) {
        eval_set_var(ctx->frame, ((ast_target *)s->targets.items[0])->name, v);
        return;
    }
    if (v.kind != V_LIST)
        eval_fail(ctx, s->value->loc, "cannot unpack %s into %d variables", value_type_name(v),
                  s->targets.len);
    if (v.as.list->len != s->targets.len)
        eval_fail(ctx, s->value->loc, "cannot unpack a list of %d values into %d variables",
                  v.as.list->len, s->targets.len);
    for (int i = 0; i < s->targets.len; i++)
        eval_set_var(ctx->frame, ((ast_target *)s->targets.items[i])->name, v.as.list->items[i]);
}

static void exec_return(eval_ctx *ctx, const ast_stmt *s)
{
    if (ctx->seq.active)
        eval_fail(ctx, s->loc, "'return' is not allowed inside a seq");
    if (s->values.len == 1) {
        ctx->frame->result = eval_expr(ctx, s->values.items[0]);
    } else {
        value l = make_list(s->values.len);
        for (int i = 0; i < s->values.len; i++)
            l.as.list->items[i] = eval_expr(ctx, s->values.items[i]);
        ctx->frame->result = l;
    }
    ctx->frame->returned = true;
}

static void exec_repeat(eval_ctx *ctx, const ast_stmt *s)
{
    if (!s->var && eval_as_choice(s->value)) {
        eval_repeat_choice(ctx, s->value, s->body);
        return;
    }
    value v = eval_expr(ctx, s->value);
    if (!s->var) {
        int64_t n = value_to_int(ctx, v, s->value->loc, "a repeat count");
        if (n < 0)
            eval_fail(ctx, s->value->loc, "repeat count %lld is negative", (long long)n);
        for (int64_t i = 0; i < n && !ctx->frame->returned; i++) {
            count_step(ctx, s->value->loc);
            eval_stmts(ctx, s->body);
        }
        return;
    }
    if (v.kind != V_LIST)
        eval_fail(ctx, s->value->loc, "'repeat %s in' needs a list, got %s; for a count, "
                                      "write 'repeat %s in range(n)'",
                  s->var, value_type_name(v), s->var);
    for (int i = 0; i < v.as.list->len && !ctx->frame->returned; i++) {
        count_step(ctx, s->value->loc);
        eval_set_var(ctx->frame, s->var, v.as.list->items[i]);
        eval_stmts(ctx, s->body);
    }
}

static void exec_stmt(eval_ctx *ctx, const ast_stmt *s)
{
    count_step(ctx, s->loc);
    if (++ctx->depth > EVAL_MAX_DEPTH)
        eval_fail(ctx, s->loc, "statements nested deeper than %d levels", EVAL_MAX_DEPTH);

    switch (s->kind) {
    case ST_ASSIGN:
        exec_assign(ctx, s);
        break;
    case ST_EXPR:
        if (!ctx->seq.active)
            eval_fail(ctx, s->loc, "the value of this expression is not used; assign it "
                                   "(x = ...) or return it (a bare stage is allowed only "
                                   "inside a seq)");
        eval_seq_stage(ctx, s->value);
        break;
    case ST_RETURN:
        exec_return(ctx, s);
        break;
    case ST_IF:
        if (value_to_bool(ctx, eval_expr(ctx, s->value), s->value->loc))
            eval_stmts(ctx, s->body);
        else
            eval_stmts(ctx, s->else_body);
        break;
    case ST_REPEAT:
        exec_repeat(ctx, s);
        break;
    case ST_DIRECTIVE:
        /* Read by the searcher from the network's body; nothing to run. */
        if (ctx->frame->decl)
            eval_fail(ctx, s->loc, "'%s' belongs in the body of a network, not of %s '%s'",
                      s->var, ctx->frame->decl->kind == DECL_BLOCK ? "block" : "function",
                      ctx->frame->decl->name);
        break;
    }
    ctx->depth--;
}

void eval_stmts(eval_ctx *ctx, const ast_stmt *s)
{
    for (; s && !ctx->frame->returned; s = s->next)
        exec_stmt(ctx, s);
}

/* ---- networks ---- */

static ir_shape input_shape(eval_ctx *ctx, value v, src_loc loc)
{
    if (v.kind != V_LIST || v.as.list->len != 3)
        eval_fail(ctx, loc, "the input shape must be a list [C, H, W], got %s",
                  v.kind == V_LIST ? arena_printf("a list of %d values", v.as.list->len)
                                   : value_type_name(v));
    int64_t d[3];
    for (int i = 0; i < 3; i++) {
        d[i] = value_to_int(ctx, v.as.list->items[i], loc, "an input dimension");
        if (d[i] < 1 || d[i] > IR_MAX_ELEMENTS)
            eval_fail(ctx, loc, "input dimension %lld must be between 1 and %lld",
                      (long long)d[i], IR_MAX_ELEMENTS);
    }
    ir_shape s = {(int)d[0], (int)d[1], (int)d[2]};
    int64_t e;
    if (__builtin_mul_overflow(d[0] * d[1], d[2], &e) || d[0] * d[1] > IR_MAX_ELEMENTS ||
        e > IR_MAX_ELEMENTS)
        eval_fail(ctx, loc, "input shape %s has more than %lld elements", ir_shape_str(s),
                  IR_MAX_ELEMENTS);
    return s;
}

static const fe_override *find_override(const ptr_vec *overrides, const char *name)
{
    for (int i = 0; overrides && i < overrides->len; i++) {
        const fe_override *o = overrides->items[i];
        if (strcmp(o->name, name) == 0)
            return o;
    }
    return NULL;
}

static void check_overrides(eval_ctx *ctx, const ast_decl *net, const ptr_vec *overrides)
{
    for (int i = 0; overrides && i < overrides->len; i++) {
        const fe_override *o = overrides->items[i];
        bool known = false;
        const char *names = "";
        const char *closest = NULL;
        int closest_distance = 1000;
        for (int k = 0; k < net->params.len; k++) {
            const ast_param *p = net->params.items[k];
            known |= strcmp(p->name, o->name) == 0;
            names = arena_printf("%s%s%s", names, k ? ", " : "", p->name);
            consider(o->name, p->name, &closest, &closest_distance);
        }
        if (known)
            continue;
        const char *hint = closest ? arena_printf("; did you mean '%s'?", closest) : "";
        eval_fail_note(ctx, o->name_loc, net->loc, arena_printf("'%s' is defined here", net->name),
                       "network '%s' has no parameter '%s' (its parameters: %s)%s", net->name,
                       o->name, names, hint);
    }
}

/* The group of value kinds that may replace each other: numbers, or one kind alone. */
static int kind_group(value_kind kind)
{
    return kind == V_FLOAT ? V_INT : (int)kind;
}

static void bind_network_params(eval_ctx *ctx, const ast_decl *net, frame *f,
                                const ptr_vec *overrides)
{
    check_overrides(ctx, net, overrides);
    bool has_input = false;
    for (int k = 0; k < net->params.len; k++)
        has_input |= strcmp(((ast_param *)net->params.items[k])->name, "input") == 0;
    if (!has_input)
        eval_fail(ctx, net->loc, "network '%s' has no input shape; declare it as 'network %s("
                                 "input = [C, H, W])'", net->name, net->name);

    for (int k = 0; k < net->params.len; k++) {
        const ast_param *p = net->params.items[k];
        const fe_override *o = find_override(overrides, p->name);
        if (!p->def && !o)
            eval_fail(ctx, p->loc, "network parameter '%s' needs a default value", p->name);
        const ast_expr *source = o ? o->value : p->def;
        value v = eval_expr(ctx, source);
        if (o && p->def) {
            value fallback = eval_expr(ctx, p->def);
            if (kind_group(fallback.kind) != kind_group(v.kind))
                eval_fail_note(ctx, o->value->loc, p->def->loc, "the default is here",
                               "--set %s: the default of '%s' is %s, but this value is %s",
                               o->name, o->name, value_type_name(fallback), value_type_name(v));
        }
        eval_set_var(f, p->name, v);
        if (strcmp(p->name, "input") == 0) {
            ctx->g = ir_graph_new(net->name, input_shape(ctx, v, source->loc));
            f->has_input = true;
            f->input = make_tensor(0);
        }
    }
}

/* Warns once when layers feed no output: they cost params and MACs for nothing. */
static void warn_dead_layers(const ir_graph *g)
{
    bool *live = calloc((size_t)g->nnodes, sizeof(bool));
    NASC_ASSERT(live);
    for (int k = 0; k < g->noutputs; k++)
        live[g->outputs[k]] = true;
    for (int i = g->nnodes - 1; i > 0; i--)
        if (live[i])
            for (int k = 0; k < g->nodes[i].ninputs; k++)
                live[g->nodes[i].inputs[k]] = true;

    int dead = 0;
    int first = -1;
    for (int i = 1; i < g->nnodes; i++) {
        if (!live[i]) {
            dead++;
            if (first < 0)
                first = i;
        }
    }
    free(live);
    if (dead > 0)
        diag_warning(g->nodes[first].loc, "%d layer%s of network '%s' feed%s no output; the "
                     "first is '%s' (its params and MACs are still counted)", dead,
                     dead == 1 ? "" : "s", g->name, dead == 1 ? "s" : "", g->nodes[first].name);
}

static void collect_outputs(eval_ctx *ctx, value v, src_loc loc, ptr_vec *out)
{
    if (v.kind == V_TENSOR) {
        int *id = arena_alloc(sizeof *id);
        *id = v.as.tensor;
        vec_push(out, id);
        return;
    }
    if (v.kind == V_LIST) {
        for (int i = 0; i < v.as.list->len; i++)
            collect_outputs(ctx, v.as.list->items[i], loc, out);
        return;
    }
    eval_fail(ctx, loc, "a network must return tensors, this returns %s", value_type_name(v));
}

ir_graph *fe_build(const fe_program *p, const ast_decl *net)
{
    return fe_build_with(p, net, NULL);
}

ir_graph *fe_build_with(const fe_program *p, const ast_decl *net, const ptr_vec *overrides)
{
    return fe_build_decided(p, net, overrides, NULL);
}

ir_graph *fe_build_decided(const fe_program *p, const ast_decl *net, const ptr_vec *overrides,
                           fe_decider *decider)
{
    eval_ctx *ctx = arena_alloc(sizeof *ctx);
    ctx->prog = p;
    ctx->decider = decider;
    ctx->choice_parent_option = ctx->choice_parent_iteration = -1;
    frame *f = arena_alloc(sizeof *f);
    ctx->frame = f;
    eval_push_scope(ctx, "");

    if (setjmp(ctx->on_error))
        return NULL;

    bind_network_params(ctx, net, f, overrides);
    eval_stmts(ctx, net->body);
    if (!f->returned)
        eval_fail(ctx, net->loc, "network '%s' ends without 'return'", net->name);

    ptr_vec outputs = {0};
    collect_outputs(ctx, f->result, net->loc, &outputs);
    if (outputs.len == 0)
        eval_fail(ctx, net->loc, "network '%s' returns no tensor", net->name);
    int *ids = arena_alloc(sizeof(int) * (size_t)outputs.len);
    for (int i = 0; i < outputs.len; i++)
        ids[i] = *(int *)outputs.items[i];
    ir_set_outputs(ctx->g, ids, outputs.len);

    warn_dead_layers(ctx->g);

    const char *bad = ir_verify(ctx->g);
    if (bad)
        nasc_die(__FILE__, __LINE__, arena_printf("the IR verifier failed: %s", bad));
    return ctx->g;
}
