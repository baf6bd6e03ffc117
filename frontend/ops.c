/*
 * The built-in ops and functions of the language.
 *
 * Each op has a signature (ops[] below) in PyTorch's argument order and
 * with PyTorch's defaults. The evaluator binds call arguments to it, and
 * ops_call converts the bound values into the attributes of one IR node
 * (split adds one node per part). Adding an op means: an IR kind and shape
 * rule in ir/graph.c, a row in ops[], and a case in build_node.
 */
#include "eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { REQUIRED = true, OPTIONAL = false };

#define T(name) {name, ARG_TENSOR, REQUIRED}

static const op_spec ops[] = {
    {"conv", IR_CONV, false, 8,
     {T("x"), {"out", ARG_INT, REQUIRED}, {"k", ARG_PAIR, REQUIRED}, {"stride", ARG_PAIR, OPTIONAL},
      {"pad", ARG_PAIR, OPTIONAL}, {"dilation", ARG_PAIR, OPTIONAL}, {"groups", ARG_INT, OPTIONAL},
      {"bias", ARG_BOOL, OPTIONAL}}},
    {"linear", IR_LINEAR, false, 3,
     {T("x"), {"out", ARG_INT, REQUIRED}, {"bias", ARG_BOOL, OPTIONAL}}},
    {"bn", IR_BN, false, 2, {T("x"), {"eps", ARG_FLOAT, OPTIONAL}}},
    {"relu", IR_RELU, false, 1, {T("x")}},
    {"relu6", IR_RELU6, false, 1, {T("x")}},
    {"hardswish", IR_HARDSWISH, false, 1, {T("x")}},
    {"hardsigmoid", IR_HARDSIGMOID, false, 1, {T("x")}},
    {"sigmoid", IR_SIGMOID, false, 1, {T("x")}},
    {"dropout", IR_DROPOUT, false, 2, {T("x"), {"p", ARG_FLOAT, OPTIONAL}}},
    {"maxpool", IR_MAXPOOL, false, 6,
     {T("x"), {"k", ARG_PAIR, REQUIRED}, {"stride", ARG_PAIR, OPTIONAL},
      {"pad", ARG_PAIR, OPTIONAL}, {"dilation", ARG_PAIR, OPTIONAL},
      {"ceil_mode", ARG_BOOL, OPTIONAL}}},
    {"avgpool", IR_AVGPOOL, false, 6,
     {T("x"), {"k", ARG_PAIR, REQUIRED}, {"stride", ARG_PAIR, OPTIONAL},
      {"pad", ARG_PAIR, OPTIONAL}, {"ceil_mode", ARG_BOOL, OPTIONAL},
      {"count_include_pad", ARG_BOOL, OPTIONAL}}},
    {"global_avgpool", IR_GLOBAL_AVGPOOL, false, 1, {T("x")}},
    {"add", IR_ADD, false, 2, {T("a"), T("b")}},
    {"mul", IR_MUL, false, 2, {T("a"), T("b")}},
    {"concat", IR_CONCAT, true, 0, {{NULL, ARG_TENSOR, false}}},
    {"split", IR_SPLIT, false, 2, {T("x"), {"parts", ARG_PARTS, REQUIRED}}},
    {"shuffle", IR_SHUFFLE, false, 2, {T("x"), {"groups", ARG_INT, REQUIRED}}},
    {"flatten", IR_FLATTEN, false, 1, {T("x")}},
    {"identity", IR_IDENTITY, false, 1, {T("x")}},
    {"zero", IR_ZERO, false, 2, {T("x"), {"stride", ARG_INT, OPTIONAL}}},
};

#define NUM_OPS ((int)(sizeof ops / sizeof ops[0]))

enum { FN_MIN, FN_MAX, FN_INT, FN_FLOAT, FN_ROUND, FN_LEN, FN_RANGE, FN_STR, NUM_BUILTINS };

static const char *const builtin_names[NUM_BUILTINS] = {
    "min", "max", "int", "float", "round", "len", "range", "str",
};

/* Elements in one list made by range(); the same bound as the evaluator's. */
#define MAX_RANGE 1000000

static callable op_callables[NUM_OPS];
static callable builtin_callables[NUM_BUILTINS];

const callable *ops_lookup(const char *name)
{
    for (int i = 0; i < NUM_OPS; i++) {
        if (strcmp(ops[i].name, name) == 0) {
            op_callables[i] = (callable){CALLABLE_OP, ops[i].name, &ops[i], 0, NULL};
            return &op_callables[i];
        }
    }
    for (int i = 0; i < NUM_BUILTINS; i++) {
        if (strcmp(builtin_names[i], name) == 0) {
            builtin_callables[i] = (callable){CALLABLE_BUILTIN, builtin_names[i], NULL, i, NULL};
            return &builtin_callables[i];
        }
    }
    return NULL;
}

ptr_vec ops_names(void)
{
    ptr_vec v = {0};
    for (int i = 0; i < NUM_OPS; i++)
        vec_push(&v, (void *)ops[i].name);
    for (int i = 0; i < NUM_BUILTINS; i++)
        vec_push(&v, (void *)builtin_names[i]);
    return v;
}

/* ---- argument conversion ---- */

static const char *arg_what(const op_spec *spec, int k)
{
    return arena_printf("argument '%s' of '%s'", spec->params[k].name, spec->name);
}

/* An int attribute: integral and within the range of int. */
static int int_arg(eval_ctx *ctx, const op_spec *spec, bound_arg *args, int k, int fallback)
{
    if (!args[k].present)
        return fallback;
    int64_t v = value_to_int(ctx, args[k].v, args[k].loc, arg_what(spec, k));
    if (v < -IR_MAX_ELEMENTS || v > IR_MAX_ELEMENTS)
        eval_fail(ctx, args[k].loc, "%s is out of range: %lld", arg_what(spec, k), (long long)v);
    return (int)v;
}

static double float_arg(eval_ctx *ctx, const op_spec *spec, bound_arg *args, int k,
                        double fallback)
{
    if (!args[k].present)
        return fallback;
    return value_to_float(ctx, args[k].v, args[k].loc, arg_what(spec, k));
}

static bool bool_arg(eval_ctx *ctx, const op_spec *spec, bound_arg *args, int k, bool fallback)
{
    if (!args[k].present)
        return fallback;
    if (args[k].v.kind != V_BOOL)
        eval_fail(ctx, args[k].loc, "%s must be true or false, got %s", arg_what(spec, k),
                  value_type_name(args[k].v));
    return args[k].v.as.b;
}

/* A size given as one integer for both axes or as a list [h, w]. */
static void pair_arg(eval_ctx *ctx, const op_spec *spec, bound_arg *args, int k, int *h, int *w)
{
    if (!args[k].present)
        return;
    value v = args[k].v;
    if (v.kind == V_LIST) {
        if (v.as.list->len != 2)
            eval_fail(ctx, args[k].loc, "%s must be an integer or a list [h, w], got a list of "
                                        "%d values", arg_what(spec, k), v.as.list->len);
        bound_arg parts[2] = {{v.as.list->items[0], args[k].loc, true},
                              {v.as.list->items[1], args[k].loc, true}};
        *h = int_arg(ctx, spec, parts, 0, 0);
        *w = int_arg(ctx, spec, parts, 1, 0);
        return;
    }
    *h = *w = int_arg(ctx, spec, args, k, 0);
}

static int tensor_arg(eval_ctx *ctx, const op_spec *spec, const bound_arg *a, int k)
{
    if (a->v.kind != V_TENSOR)
        eval_fail(ctx, a->loc, "%s must be a tensor, got %s", arg_what(spec, k),
                  value_type_name(a->v));
    return a->v.as.tensor;
}

/* ---- building nodes ---- */

/* Rejects a given argument below `min`, pointing at the argument itself. */
static void check_min(eval_ctx *ctx, const op_spec *spec, bound_arg *args, int k, int value,
                      int min)
{
    if (args[k].present && value < min)
        eval_fail(ctx, args[k].loc, "%s must be at least %d, got %d", arg_what(spec, k), min,
                  value);
}

static void pair_arg_min(eval_ctx *ctx, const op_spec *spec, bound_arg *args, int k, int *h,
                         int *w, int min)
{
    pair_arg(ctx, spec, args, k, h, w);
    check_min(ctx, spec, args, k, *h, min);
    check_min(ctx, spec, args, k, *w, min);
}

static int int_arg_min(eval_ctx *ctx, const op_spec *spec, bound_arg *args, int k, int fallback,
                       int min)
{
    int v = int_arg(ctx, spec, args, k, fallback);
    check_min(ctx, spec, args, k, v, min);
    return v;
}

static void window(eval_ctx *ctx, const op_spec *spec, bound_arg *args, ir_window *w,
                   int k_index, bool stride_defaults_to_kernel)
{
    pair_arg_min(ctx, spec, args, k_index, &w->kh, &w->kw, 1);
    w->sh = stride_defaults_to_kernel ? w->kh : 1;
    w->sw = stride_defaults_to_kernel ? w->kw : 1;
    pair_arg_min(ctx, spec, args, k_index + 1, &w->sh, &w->sw, 1);
    w->ph = w->pw = 0;
    pair_arg_min(ctx, spec, args, k_index + 2, &w->ph, &w->pw, 0);
    w->dh = w->dw = 1;
}

static void build_node(eval_ctx *ctx, const op_spec *spec, bound_arg *args, ir_node *n)
{
    switch (spec->op) {
    case IR_CONV:
        n->attr.conv.out = int_arg_min(ctx, spec, args, 1, 0, 1);
        window(ctx, spec, args, &n->attr.conv.win, 2, false);
        pair_arg_min(ctx, spec, args, 5, &n->attr.conv.win.dh, &n->attr.conv.win.dw, 1);
        n->attr.conv.groups = int_arg_min(ctx, spec, args, 6, 1, 1);
        n->attr.conv.bias = bool_arg(ctx, spec, args, 7, true);
        break;
    case IR_LINEAR:
        n->attr.linear.out = int_arg_min(ctx, spec, args, 1, 0, 1);
        n->attr.linear.bias = bool_arg(ctx, spec, args, 2, true);
        break;
    case IR_BN:
        n->attr.bn.eps = float_arg(ctx, spec, args, 1, 1e-5);
        if (!(n->attr.bn.eps > 0))
            eval_fail(ctx, args[1].loc, "%s must be positive, got %g", arg_what(spec, 1),
                      n->attr.bn.eps);
        break;
    case IR_DROPOUT:
        n->attr.dropout.p = float_arg(ctx, spec, args, 1, 0.5);
        if (!(n->attr.dropout.p >= 0 && n->attr.dropout.p <= 1))
            eval_fail(ctx, args[1].loc, "%s must be between 0 and 1, got %g", arg_what(spec, 1),
                      n->attr.dropout.p);
        break;
    case IR_MAXPOOL:
        window(ctx, spec, args, &n->attr.pool.win, 1, true);
        pair_arg_min(ctx, spec, args, 4, &n->attr.pool.win.dh, &n->attr.pool.win.dw, 1);
        n->attr.pool.ceil_mode = bool_arg(ctx, spec, args, 5, false);
        break;
    case IR_AVGPOOL:
        window(ctx, spec, args, &n->attr.pool.win, 1, true);
        n->attr.pool.ceil_mode = bool_arg(ctx, spec, args, 4, false);
        n->attr.pool.count_include_pad = bool_arg(ctx, spec, args, 5, true);
        break;
    case IR_SHUFFLE:
        n->attr.shuffle.groups = int_arg_min(ctx, spec, args, 1, 0, 1);
        break;
    case IR_ZERO:
        n->attr.zero.stride = int_arg_min(ctx, spec, args, 1, 1, 1);
        break;
    default:
        break;
    }
}

static value call_concat(eval_ctx *ctx, const op_spec *spec, ptr_vec *rest, const char *name,
                         src_loc loc)
{
    /* concat(a, b, c) or concat([a, b, c]) */
    ptr_vec tensors = {0};
    for (int i = 0; i < rest->len; i++) {
        bound_arg *a = rest->items[i];
        if (a->v.kind == V_LIST) {
            for (int k = 0; k < a->v.as.list->len; k++) {
                bound_arg *item = arena_alloc(sizeof *item);
                *item = (bound_arg){a->v.as.list->items[k], a->loc, true};
                vec_push(&tensors, item);
            }
        } else {
            vec_push(&tensors, a);
        }
    }
    if (tensors.len == 0)
        eval_fail(ctx, loc, "concat needs at least one tensor");

    ir_node n = {0};
    n.op = IR_CONCAT;
    n.name = eval_layer_name(ctx, name, spec->name);
    n.ninputs = tensors.len;
    n.inputs = arena_alloc(sizeof(int) * (size_t)tensors.len);
    for (int i = 0; i < tensors.len; i++) {
        bound_arg *a = tensors.items[i];
        if (a->v.kind != V_TENSOR)
            eval_fail(ctx, a->loc, "concat input %d must be a tensor, got %s", i + 1,
                      value_type_name(a->v));
        n.inputs[i] = a->v.as.tensor;
    }
    return make_tensor(eval_add_node(ctx, &n, loc));
}

/* split(x, 2) or split(x, [16, 48]): a list of tensors, one node a part. */
static value call_split(eval_ctx *ctx, const op_spec *spec, bound_arg *args, const char *name,
                        src_loc loc)
{
    int input = tensor_arg(ctx, spec, &args[0], 0);
    ir_shape shape = eval_graph(ctx)->nodes[input].shape;
    const char *full = eval_layer_name(ctx, name, "split");
    value parts = args[1].v;
    int count;
    int *sizes;

    if (parts.kind == V_LIST) {
        count = parts.as.list->len;
        if (count < 1)
            eval_fail(ctx, args[1].loc, "split needs at least one part");
        sizes = arena_alloc(sizeof(int) * (size_t)count);
        int64_t sum = 0;
        for (int i = 0; i < count; i++) {
            int64_t s = value_to_int(ctx, parts.as.list->items[i], args[1].loc, "a split size");
            if (s < 1 || s > IR_MAX_ELEMENTS)
                eval_fail(ctx, args[1].loc, "split size %lld must be at least 1", (long long)s);
            sizes[i] = (int)s;
            sum += s;
        }
        if (sum != shape.c)
            eval_fail(ctx, loc, "split '%s': sizes add up to %lld but the input has %d channels "
                                "(input %s)", full, (long long)sum, shape.c, ir_shape_str(shape));
    } else {
        int64_t n = value_to_int(ctx, parts, args[1].loc, arg_what(spec, 1));
        if (n < 1 || n > shape.c || shape.c % n != 0)
            eval_fail(ctx, loc, "split '%s': %lld parts do not divide the %d channels of input %s",
                      full, (long long)n, shape.c, ir_shape_str(shape));
        count = (int)n;
        sizes = arena_alloc(sizeof(int) * (size_t)count);
        for (int i = 0; i < count; i++)
            sizes[i] = shape.c / count;
    }

    value result = make_list(count);
    int start = 0;
    for (int i = 0; i < count; i++) {
        ir_node n = {0};
        n.op = IR_SPLIT;
        n.name = arena_printf("%s.%d", full, i);
        n.inputs = &input;
        n.ninputs = 1;
        n.attr.split.start = start;
        n.attr.split.channels = sizes[i];
        result.as.list->items[i] = make_tensor(eval_add_node(ctx, &n, loc));
        start += sizes[i];
    }
    return result;
}

value ops_call(eval_ctx *ctx, const op_spec *spec, bound_arg *args, ptr_vec *rest,
               const char *explicit_name, src_loc loc)
{
    if (spec->variadic)
        return call_concat(ctx, spec, rest, explicit_name, loc);
    for (int k = 0; k < spec->nparams; k++)
        if (spec->params[k].required && !args[k].present)
            eval_fail(ctx, loc, "missing argument '%s' of '%s'", spec->params[k].name,
                      spec->name);
    if (spec->op == IR_SPLIT)
        return call_split(ctx, spec, args, explicit_name, loc);

    ir_node n = {0};
    n.op = spec->op;
    int inputs[2];
    for (int k = 0; k < spec->nparams; k++)
        if (spec->params[k].type == ARG_TENSOR)
            inputs[n.ninputs++] = tensor_arg(ctx, spec, &args[k], k);
    n.inputs = inputs;
    build_node(ctx, spec, args, &n);
    n.name = eval_layer_name(ctx, explicit_name, spec->name);
    return make_tensor(eval_add_node(ctx, &n, loc));
}

/* ---- built-in functions ---- */

static double number(eval_ctx *ctx, value v, src_loc loc, const char *fn)
{
    return value_to_float(ctx, v, loc, arena_printf("the argument of '%s'", fn));
}

static value min_max(eval_ctx *ctx, bool want_max, value *args, src_loc *locs, int n,
                     src_loc loc)
{
    const char *fn = want_max ? "max" : "min";
    if (n == 1 && args[0].kind == V_LIST) {
        locs = NULL;
        n = args[0].as.list->len;
        args = args[0].as.list->items;
    }
    if (n < 1)
        eval_fail(ctx, loc, "'%s' needs at least one number", fn);
    value best = args[0];
    for (int i = 0; i < n; i++) {
        src_loc at = locs ? locs[i] : loc;
        double x = number(ctx, args[i], at, fn);
        double b = number(ctx, best, at, fn);
        if (want_max ? x > b : x < b)
            best = args[i];
    }
    return best;
}

static void expect_args(eval_ctx *ctx, const char *fn, int n, int min, int max, src_loc loc)
{
    if (n < min || n > max) {
        if (min == max)
            eval_fail(ctx, loc, "'%s' takes %d argument%s, got %d", fn, min, min == 1 ? "" : "s",
                      n);
        eval_fail(ctx, loc, "'%s' takes %d to %d arguments, got %d", fn, min, max, n);
    }
}

static value to_int_checked(eval_ctx *ctx, double x, src_loc loc)
{
    /* -2^63 <= x < 2^63: both bounds are exact doubles. */
    if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0))
        eval_fail(ctx, loc, "%g does not fit an integer", x);
    return make_int((int64_t)x);
}

static value range(eval_ctx *ctx, value *args, src_loc *locs, int n, src_loc loc)
{
    expect_args(ctx, "range", n, 1, 2, loc);
    int64_t start = n == 2 ? value_to_int(ctx, args[0], locs[0], "the start of range") : 0;
    int64_t stop = value_to_int(ctx, args[n - 1], locs[n - 1], "the end of range");
    int64_t len = 0;
    if (stop > start && (__builtin_sub_overflow(stop, start, &len) || len > MAX_RANGE))
        eval_fail(ctx, loc, "range of more than %d elements", MAX_RANGE);
    eval_charge(ctx, len, loc);
    value l = make_list((int)len);
    for (int64_t i = 0; i < len; i++)
        l.as.list->items[i] = make_int(start + i);
    return l;
}

static const char *zeros(int count)
{
    char *s = arena_alloc((size_t)count + 1);
    memset(s, '0', (size_t)count);
    return s;
}

/*
 * A float as Python's repr writes it: the fewest significant digits that
 * read back as the same double, in positional notation for decimal
 * exponents from -4 to 15 (with ".0" when integral), and as "1.5e+16" or
 * "1e-05" outside that range.
 */
static const char *float_repr(double x)
{
    if (isnan(x))
        return "nan";
    if (isinf(x))
        return x < 0 ? "-inf" : "inf";

    char sci[40];
    int digits = 1;
    for (; digits < 17; digits++) {
        snprintf(sci, sizeof sci, "%.*e", digits - 1, x);
        if (strtod(sci, NULL) == x)
            break;
    }
    snprintf(sci, sizeof sci, "%.*e", digits - 1, x);

    /* Split "-d.ddde+XX" into sign, digit string and decimal exponent. */
    const char *p = sci;
    const char *sign = "";
    if (*p == '-') {
        sign = "-";
        p++;
    }
    char mantissa[24];
    int n = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            mantissa[n++] = *p;
    mantissa[n] = '\0';
    int exponent = atoi(p + 1);

    if (exponent < -4 || exponent >= 16) {
        if (n == 1)
            return arena_printf("%s%ce%c%02d", sign, mantissa[0], exponent < 0 ? '-' : '+',
                                abs(exponent));
        return arena_printf("%s%c.%se%c%02d", sign, mantissa[0], mantissa + 1,
                            exponent < 0 ? '-' : '+', abs(exponent));
    }
    if (exponent < 0)
        return arena_printf("%s0.%s%s", sign, zeros(-exponent - 1), mantissa);
    if (n <= exponent + 1)
        return arena_printf("%s%s%s.0", sign, mantissa, zeros(exponent + 1 - n));
    return arena_printf("%s%.*s.%s", sign, exponent + 1, mantissa, mantissa + exponent + 1);
}

/* str(x) as Python prints numbers: 3, 0.5, 1e-05; booleans as true and false. */
static const char *to_string(eval_ctx *ctx, value v, src_loc loc)
{
    switch (v.kind) {
    case V_INT:
        return arena_printf("%lld", (long long)v.as.i);
    case V_FLOAT:
        return float_repr(v.as.f);
    case V_BOOL:
        return v.as.b ? "true" : "false";
    case V_STR:
        return v.as.s;
    default:
        eval_fail(ctx, loc, "'str' needs a number, boolean or string, got %s",
                  value_type_name(v));
    }
}

value ops_call_builtin(eval_ctx *ctx, int builtin, value *args, src_loc *locs, int n, src_loc loc)
{
    const char *fn = builtin_names[builtin];
    switch (builtin) {
    case FN_MIN:
    case FN_MAX:
        return min_max(ctx, builtin == FN_MAX, args, locs, n, loc);
    case FN_INT:
        expect_args(ctx, fn, n, 1, 1, loc);
        if (args[0].kind == V_INT)
            return args[0];
        return to_int_checked(ctx, trunc(number(ctx, args[0], locs[0], fn)), locs[0]);
    case FN_FLOAT:
        expect_args(ctx, fn, n, 1, 1, loc);
        return make_float(number(ctx, args[0], locs[0], fn));
    case FN_ROUND:
        /* Python's round: halves go to the even neighbour. */
        expect_args(ctx, fn, n, 1, 1, loc);
        if (args[0].kind == V_INT)
            return args[0];
        return to_int_checked(ctx, nearbyint(number(ctx, args[0], locs[0], fn)), locs[0]);
    case FN_LEN:
        expect_args(ctx, fn, n, 1, 1, loc);
        if (args[0].kind != V_LIST)
            eval_fail(ctx, locs[0], "'len' needs a list, got %s", value_type_name(args[0]));
        return make_int(args[0].as.list->len);
    case FN_RANGE:
        return range(ctx, args, locs, n, loc);
    case FN_STR:
        expect_args(ctx, fn, n, 1, 1, loc);
        return (value){V_STR, {.s = to_string(ctx, args[0], locs[0])}};
    }
    NASC_UNREACHABLE();
}
