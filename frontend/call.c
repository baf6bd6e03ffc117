/*
 * Calls, pipes and seq: the part of the evaluator that binds arguments and
 * runs a block, function or op, and that numbers the stages of a seq.
 *
 * Arguments are evaluated in the caller's frame, then the callee gets a
 * fresh frame in which the defaults of the parameters left out are
 * evaluated, in order, so they may use `in` and earlier parameters. A
 * block call takes the pending layer name (from `as` or a seq index) on
 * entry and pushes a scope of that name for the layers inside it.
 * Recursion is detected by walking the frames of the calls in progress.
 */
#include "eval.h"

#include <setjmp.h>
#include <string.h>

static const char *decl_kind(const ast_decl *d)
{
    switch (d->kind) {
    case DECL_BLOCK: return "block";
    case DECL_FN: return "function";
    default: return "network";
    }
}

static const char *param_list_text(const ast_decl *d)
{
    const char *s = "";
    for (int i = 0; i < d->params.len; i++)
        s = arena_printf("%s%s%s", s, i ? ", " : "", ((ast_param *)d->params.items[i])->name);
    return s;
}

static void check_recursion(eval_ctx *ctx, const ast_decl *d, src_loc loc)
{
    for (frame *f = ctx->frame; f; f = f->caller) {
        if (f->decl != d)
            continue;
        const char *chain = d->name;
        for (frame *g = ctx->frame; g != f; g = g->caller)
            chain = arena_printf("%s -> %s", g->decl->name, chain);
        chain = arena_printf("%s -> %s", d->name, chain);
        eval_fail_note(ctx, loc, d->loc, arena_printf("'%s' is defined here", d->name),
                       "%s '%s' calls itself (%s); recursion is not allowed", decl_kind(d),
                       d->name, chain);
    }
    if (ctx->call_depth >= EVAL_MAX_CALL_DEPTH)
        eval_fail(ctx, loc, "calls nested deeper than %d levels", EVAL_MAX_CALL_DEPTH);
}

/*
 * Binds call arguments to a block's or function's parameters. Arguments
 * are evaluated in the caller's frame; defaults later, in the callee's.
 */
static bool *bind_decl_args(eval_ctx *ctx, const ast_decl *d, const ptr_vec *args, int skip,
                            value *slots, src_loc loc)
{
    int n = d->params.len;
    bool *given = arena_alloc(sizeof(bool) * (size_t)(n ? n : 1));
    src_loc *where = arena_alloc(sizeof(src_loc) * (size_t)(n ? n : 1));
    int position = 0;
    bool keyword_seen = false;

    for (int i = skip; args && i < args->len; i++) {
        const ast_arg *a = args->items[i];
        int slot = -1;
        if (!a->name) {
            if (keyword_seen)
                eval_fail(ctx, a->value->loc, "positional argument after a keyword argument");
            if (position >= n)
                eval_fail_note(ctx, a->value->loc, d->loc,
                               arena_printf("'%s' is defined here", d->name),
                               "too many arguments: %s '%s' takes %d (%s)", decl_kind(d),
                               d->name, n, param_list_text(d));
            slot = position++;
        } else {
            keyword_seen = true;
            for (int k = 0; k < n; k++)
                if (strcmp(((ast_param *)d->params.items[k])->name, a->name) == 0)
                    slot = k;
            if (slot < 0)
                eval_fail_note(ctx, a->name_loc, d->loc,
                               arena_printf("'%s' is defined here", d->name),
                               "%s '%s' has no parameter '%s' (its parameters: %s)",
                               decl_kind(d), d->name, a->name, param_list_text(d));
        }
        src_loc arg_loc = a->name ? loc_span(a->name_loc, a->value->loc) : a->value->loc;
        if (given[slot]) {
            diag_error(arg_loc, "argument '%s' of %s '%s' is given twice",
                       ((ast_param *)d->params.items[slot])->name, decl_kind(d), d->name);
            diag_note(where[slot], "it is first given here");
            eval_call_notes(ctx);
            longjmp(ctx->on_error, 1);
        }
        given[slot] = true;
        where[slot] = arg_loc;
        slots[slot] = eval_expr(ctx, a->value);
    }
    (void)loc;
    return given;
}

static value run_body(eval_ctx *ctx, const ast_decl *d, frame *callee)
{
    seq_state saved_seq = ctx->seq;
    ctx->seq = (seq_state){false, {V_NONE, {0}}};
    callee->caller = ctx->frame;
    ctx->frame = callee;
    ctx->call_depth++;

    eval_stmts(ctx, d->body);
    if (!callee->returned)
        eval_fail_note(ctx, callee->call_loc, d->loc,
                       arena_printf("'%s' is defined here", d->name),
                       "%s '%s' ends without 'return'", decl_kind(d), d->name);

    ctx->call_depth--;
    ctx->frame = callee->caller;
    ctx->seq = saved_seq;
    return callee->result;
}

static value call_decl(eval_ctx *ctx, const ast_decl *d, const value *input, const ptr_vec *args,
                       src_loc loc)
{
    if (d->kind == DECL_NETWORK)
        eval_fail_note(ctx, loc, d->loc, arena_printf("'%s' is defined here", d->name),
                       "network '%s' cannot be called; only blocks and functions can", d->name);
    check_recursion(ctx, d, loc);

    const char *explicit_name = NULL;
    if (d->kind == DECL_BLOCK)
        explicit_name = eval_take_pending(ctx);
    else
        eval_reject_pending(ctx, arena_printf("function '%s'", d->name));

    /* A block's input is the piped value or its first positional argument. */
    value in = {V_NONE, {0}};
    int skip = 0;
    if (d->kind == DECL_BLOCK) {
        if (input) {
            in = *input;
        } else if (args && args->len > 0 && !((ast_arg *)args->items[0])->name) {
            in = eval_expr(ctx, ((ast_arg *)args->items[0])->value);
            skip = 1;
        } else {
            eval_fail(ctx, loc, "block '%s' needs an input tensor: write '%s(x, ...)' or "
                                "'x | %s(...)'", d->name, d->name, d->name);
        }
        if (in.kind != V_TENSOR)
            eval_fail(ctx, loc, "the input of block '%s' must be a tensor, got %s", d->name,
                      value_type_name(in));
    } else if (input) {
        eval_fail(ctx, loc, "function '%s' cannot be a pipe stage; it computes a value and "
                            "takes no input tensor", d->name);
    }

    int n = d->params.len;
    value *slots = arena_alloc(sizeof(value) * (size_t)(n ? n : 1));
    bool *given = bind_decl_args(ctx, d, args, skip, slots, loc);

    frame *callee = arena_alloc(sizeof *callee);
    callee->decl = d;
    callee->call_loc = loc;
    callee->has_input = d->kind == DECL_BLOCK;
    callee->input = in;

    for (int k = 0; k < n; k++) {
        const ast_param *p = d->params.items[k];
        if (!given[k] && !p->def)
            eval_fail_note(ctx, loc, p->loc, arena_printf("'%s' is declared here", p->name),
                           "missing argument '%s' of %s '%s'", p->name, decl_kind(d), d->name);
    }

    /* Defaults run in the callee: they may use `in` and earlier parameters. */
    frame *caller = ctx->frame;
    callee->caller = caller;
    ctx->frame = callee;
    for (int k = 0; k < n; k++) {
        const ast_param *p = d->params.items[k];
        if (!given[k])
            slots[k] = eval_expr(ctx, p->def);
        eval_set_var(callee, p->name, slots[k]);
    }
    ctx->frame = caller;

    if (d->kind == DECL_BLOCK)
        eval_push_scope(ctx, eval_layer_name(ctx, explicit_name, d->name));
    value result = run_body(ctx, d, callee);
    if (d->kind == DECL_BLOCK)
        eval_pop_scope(ctx);
    return result;
}

static value call_builtin(eval_ctx *ctx, const callable *fn, const value *input,
                          const ptr_vec *args, src_loc loc)
{
    eval_reject_pending(ctx, arena_printf("'%s'", fn->name));
    if (input)
        eval_fail(ctx, loc, "'%s' cannot be a pipe stage; it computes a value", fn->name);
    int n = args ? args->len : 0;
    value *vals = arena_alloc(sizeof(value) * (size_t)(n ? n : 1));
    src_loc *locs = arena_alloc(sizeof(src_loc) * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) {
        const ast_arg *a = args->items[i];
        if (a->name)
            eval_fail(ctx, a->name_loc, "'%s' takes no keyword arguments", fn->name);
        vals[i] = eval_expr(ctx, a->value);
        locs[i] = a->value->loc;
    }
    return ops_call_builtin(ctx, fn->builtin, vals, locs, n, loc);
}

/* PyTorch's keyword names and what they are called here. */
static const char *pytorch_keyword_hint(const char *name)
{
    static const char *const hints[][2] = {
        {"kernel_size", "; write 'k'"},
        {"padding", "; write 'pad'"},
        {"out_channels", "; write 'out'"},
        {"out_features", "; write 'out'"},
        {"in_channels", "; input channels come from the input tensor"},
        {"in_features", "; input features come from the input tensor"},
        {"num_features", "; the channels come from the input tensor"},
        {"dim", "; concat and split always work on channels"},
        {"inplace", "; ops never modify their input"},
    };
    for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++)
        if (strcmp(name, hints[i][0]) == 0)
            return hints[i][1];
    return "";
}

static const char *op_param_list(const op_spec *spec)
{
    if (spec->variadic)
        return "tensors only, as positional arguments";
    const char *names = "";
    for (int k = 0; k < spec->nparams; k++)
        names = arena_printf("%s%s%s", names, k ? ", " : "", spec->params[k].name);
    return names;
}

static value call_op(eval_ctx *ctx, const op_spec *spec, const value *input, src_loc input_loc,
                     const ptr_vec *args, src_loc loc)
{
    const char *explicit_name = eval_take_pending(ctx);
    bound_arg slots[OP_MAX_PARAMS];
    memset(slots, 0, sizeof slots);
    ptr_vec rest = {0};
    int position = 0;
    bool keyword_seen = false;

    if (input) {
        slots[0] = (bound_arg){*input, input_loc, true};
        position = 1;
        if (spec->variadic) {
            bound_arg *b = arena_alloc(sizeof *b);
            *b = slots[0];
            vec_push(&rest, b);
        }
    }
    for (int i = 0; args && i < args->len; i++) {
        const ast_arg *a = args->items[i];
        src_loc arg_loc = a->name ? loc_span(a->name_loc, a->value->loc) : a->value->loc;
        if (a->name && spec->variadic)
            eval_fail(ctx, a->name_loc, "'%s' has no argument '%s'%s; it takes tensors only, as "
                                        "positional arguments", spec->name, a->name,
                      pytorch_keyword_hint(a->name));
        if (!a->name && spec->variadic) {
            bound_arg *b = arena_alloc(sizeof *b);
            *b = (bound_arg){eval_expr(ctx, a->value), a->value->loc, true};
            vec_push(&rest, b);
            continue;
        }
        int slot = -1;
        if (!a->name) {
            if (keyword_seen)
                eval_fail(ctx, a->value->loc, "positional argument after a keyword argument");
            if (position >= spec->nparams)
                eval_fail(ctx, a->value->loc, "too many arguments: '%s' takes at most %d (%s)",
                          spec->name, spec->nparams, op_param_list(spec));
            slot = position++;
        } else {
            keyword_seen = true;
            for (int k = 0; k < spec->nparams; k++)
                if (strcmp(spec->params[k].name, a->name) == 0)
                    slot = k;
            if (slot < 0)
                eval_fail(ctx, a->name_loc, "'%s' has no argument '%s'%s (its arguments: %s)",
                          spec->name, a->name, pytorch_keyword_hint(a->name),
                          op_param_list(spec));
        }
        if (slots[slot].present) {
            diag_error(arg_loc, "argument '%s' of '%s' is given twice", spec->params[slot].name,
                       spec->name);
            diag_note(slots[slot].loc, input && slot == 0 ? "it is the piped input here"
                                                          : "it is first given here");
            eval_call_notes(ctx);
            longjmp(ctx->on_error, 1);
        }
        slots[slot] = (bound_arg){eval_expr(ctx, a->value), arg_loc, true};
    }
    return ops_call(ctx, spec, slots, &rest, explicit_name, loc);
}

value eval_call(eval_ctx *ctx, value callee, src_loc callee_loc, const value *input,
                  src_loc input_loc, const ptr_vec *args, src_loc loc)
{
    if (callee.kind != V_CALLABLE)
        eval_fail(ctx, callee_loc, "this is %s, not an op, block or function, so it cannot be "
                                   "called", value_type_name(callee));
    const callable *fn = callee.as.fn;
    switch (fn->kind) {
    case CALLABLE_OP:
        return call_op(ctx, fn->op, input, input_loc, args, loc);
    case CALLABLE_BUILTIN:
        return call_builtin(ctx, fn, input, args, loc);
    case CALLABLE_DECL:
        return call_decl(ctx, fn->decl, input, args, loc);
    }
    NASC_UNREACHABLE();
}

value eval_callee(eval_ctx *ctx, const ast_expr *callee)
{
    const char *pending = eval_take_pending(ctx);
    ctx->in_callee = true;
    value v = eval_expr(ctx, callee);
    ctx->in_callee = false;
    ctx->pending = pending;
    return v;
}

/* ---- pipes and seq ---- */

static value eval_seq(eval_ctx *ctx, const ast_expr *e, value input);

value eval_apply_stage(eval_ctx *ctx, const ast_expr *stage, value input, src_loc input_loc)
{
    switch (stage->kind) {
    case AST_CHOICE:
    case AST_PICK:
        return eval_choice_stage(ctx, stage, NULL, input, input_loc);
    case AST_NAMED: {
        if (eval_as_choice(stage))
            return eval_choice_stage(ctx, stage->lhs, stage, input, input_loc);
        if (ctx->pending)
            eval_fail(ctx, stage->name_loc, "this layer is named twice");
        const char *name = eval_explicit_name(ctx, stage);
        ctx->pending = name;
        ctx->pending_loc = stage->name_loc;
        value v = eval_apply_stage(ctx, stage->lhs, input, input_loc);
        eval_reject_pending(ctx, "this stage");
        return v;
    }
    case AST_NAME:
    case AST_IN: {
        value fn = eval_callee(ctx, stage);
        if (fn.kind != V_CALLABLE)
            eval_fail(ctx, stage->loc, "a pipe stage must be an op, a block or a seq; this is %s",
                      value_type_name(fn));
        return eval_call(ctx, fn, stage->loc, &input, input_loc, NULL, stage->loc);
    }
    case AST_CALL: {
        value fn = eval_callee(ctx, stage->callee);
        return eval_call(ctx, fn, stage->callee->loc, &input, input_loc, &stage->args, stage->loc);
    }
    case AST_SEQ:
        return eval_seq(ctx, stage, input);
    default:
        eval_fail(ctx, stage->loc, "a pipe stage must be an op, a block or a seq");
    }
}

static bool stage_has_own_name(const ast_expr *stage)
{
    /* `choice(...) as NAME` names the choice point; the chosen layer keeps its index. */
    return (stage->kind == AST_NAMED && !eval_as_choice(stage)) || (stage->kind == AST_SEQ && (stage->s || stage->name_expr));
}

void eval_seq_stage(eval_ctx *ctx, const ast_expr *stage)
{
    scope *numbering = ctx->scope;
    int index = numbering->seq_index++;
    if (!stage_has_own_name(stage)) {
        ctx->pending = arena_printf("%d", index);
        ctx->pending_loc = stage->loc;
    }
    value v = eval_apply_stage(ctx, stage, ctx->seq.current, stage->loc);
    ctx->pending = NULL;
    if (v.kind != V_TENSOR)
        eval_fail(ctx, stage->loc, "a seq stage must produce a tensor, this one gives %s",
                  value_type_name(v));
    ctx->seq.current = v;
}

static value eval_seq(eval_ctx *ctx, const ast_expr *e, value input)
{
    const char *name = eval_take_pending(ctx);
    bool has_own_name = e->s || e->name_expr;
    if (name && has_own_name)
        eval_fail(ctx, e->name_loc, "this seq is named twice");
    if (has_own_name)
        name = eval_explicit_name(ctx, e);
    if (input.kind != V_TENSOR)
        eval_fail(ctx, e->loc, "the input of a seq must be a tensor, got %s",
                  value_type_name(input));

    if (name)
        eval_push_scope(ctx, eval_layer_name(ctx, name, "seq"));
    seq_state saved = ctx->seq;
    ctx->seq = (seq_state){true, input};
    eval_stmts(ctx, e->body);
    value result = ctx->seq.current;
    ctx->seq = saved;
    if (name)
        eval_pop_scope(ctx);
    return result;
}
