/*
 * Choice points: `choice(...)`, `pick(k, list)` and `repeat choice(...)`.
 *
 * A choice is a special form, not a function: its options are expressions
 * that are evaluated only when chosen, so an op choice used as a pipe
 * stage applies just the chosen op. At each point the evaluation calls the
 * decider of fe_build_decided (the searcher's genotype) for an option.
 *
 * Every point has a name. An independent point is named like a layer, in
 * the scope that reaches it (`features.3.kernel`), so each instance of a
 * block decides on its own. A `shared` point keeps its bare name, and
 * every place that reaches it takes the same, first decision. A point also
 * records the innermost decision under evaluation when it is reached (an
 * op choice's option, or an iteration of a depth choice), which lets the
 * searcher count a space whose points exist only for some decisions.
 */
#include <string.h>

#include "eval.h"

/* Options of one pick, C(n, k), bounded so that a genotype stays printable. */
#define PICK_MAX_OPTIONS 100000

typedef struct {
    const char *name;
    bool shared;
    int decision;
    int noptions;
    const char **labels;
    src_loc loc;
} decided_choice;

const ast_expr *eval_as_choice(const ast_expr *e)
{
    if (e->kind == AST_NAMED)
        e = e->lhs;
    return e->kind == AST_CHOICE || e->kind == AST_PICK ? e : NULL;
}

/* The label of an unlabelled option: its text when it is a literal or a name. */
static const char *option_label(eval_ctx *ctx, const ast_arg *a)
{
    if (a->name)
        return a->name;
    const ast_expr *e = a->value;
    switch (e->kind) {
    case AST_INT:
        return arena_printf("%lld", (long long)e->i);
    case AST_FLOAT:
        return arena_printf("%g", e->f);
    case AST_BOOL:
        return e->b ? "true" : "false";
    case AST_STRING:
    case AST_NAME:
        return e->s;
    case AST_UNARY:
        if (e->op == OP_NEG && e->lhs->kind == AST_INT)
            return arena_printf("-%lld", (long long)e->lhs->i);
        break;
    default:
        break;
    }
    eval_fail(ctx, e->loc, "give this option a label, as in choice(name = ...): only a literal "
                           "or a plain name labels itself");
}

static const char *point_name(eval_ctx *ctx, const ast_expr *choice, const ast_expr *named)
{
    if (named) {
        const char *local = eval_explicit_name(ctx, named);
        if (choice->b)
            return local;
        if (ctx->choice_suffix && ctx->choice_suffix_scope == ctx->scope)
            local = arena_printf("%s%s", local, ctx->choice_suffix);
        return eval_layer_name(ctx, local, "choice");
    }
    if (choice->b)
        eval_fail(ctx, choice->loc, "a shared choice needs a name: add 'as NAME', which every "
                                    "place that shares the decision uses");
    return eval_layer_name(ctx, NULL, choice->kind == AST_PICK ? "pick" : "choice");
}

/* Calls the decider once per point; shared points repeat their first decision. */
static int decide(eval_ctx *ctx, fe_choice *c)
{
    for (int i = 0; i < ctx->decided.len; i++) {
        decided_choice *d = ctx->decided.items[i];
        if (strcmp(d->name, c->name) != 0)
            continue;
        if (!c->shared || !d->shared)
            eval_fail_note(ctx, c->loc, d->loc, "reached first here",
                           "choice point '%s' is reached twice; give each place its own name "
                           "(as (...)), or mark it 'shared' to take one decision for all",
                           c->name);
        bool same = d->noptions == c->noptions;
        for (int k = 0; same && k < c->noptions; k++)
            same = strcmp(d->labels[k], c->labels[k]) == 0;
        if (!same)
            eval_fail_note(ctx, c->loc, d->loc, "first reached here",
                           "shared choice '%s' has other options here than where it was first "
                           "reached", c->name);
        return d->decision;
    }
    if (!ctx->decider)
        eval_fail(ctx, c->loc, "this network is a search space: choice point '%s' needs a "
                               "decision (list the points with 'nasc space', pick a candidate "
                               "with --genotype)", c->name);
    c->parent = ctx->choice_parent;
    c->parent_option = ctx->choice_parent_option;
    c->parent_iteration = ctx->choice_parent_iteration;
    if (c->shared) {
        c->parent = NULL;
        c->parent_option = c->parent_iteration = -1;
    }
    int decision = ctx->decider->decide(ctx->decider, c);
    NASC_ASSERT(decision >= 0 && decision < c->noptions);

    decided_choice *d = arena_alloc(sizeof *d);
    *d = (decided_choice){c->name, c->shared, decision, c->noptions, c->labels, c->loc};
    vec_push(&ctx->decided, d);
    return decision;
}

/* Builds the point of a `choice`: its options' labels, distinct. */
static fe_choice *one_of(eval_ctx *ctx, const ast_expr *choice, const ast_expr *named,
                         const int64_t *values)
{
    if (choice->args.len == 0)
        eval_fail(ctx, choice->loc, "a choice needs at least one option");
    fe_choice *c = arena_alloc(sizeof *c);
    c->name = point_name(ctx, choice, named);
    c->kind = FE_CHOICE_ONE;
    c->shared = choice->b;
    c->noptions = choice->args.len;
    c->loc = named ? loc_span(choice->loc, named->name_loc) : choice->loc;
    c->labels = arena_alloc(sizeof(char *) * (size_t)c->noptions);
    for (int i = 0; i < c->noptions; i++) {
        const ast_arg *a = choice->args.items[i];
        c->labels[i] = a->name || !values ? option_label(ctx, a)
                                          : arena_printf("%lld", (long long)values[i]);
        for (int k = 0; k < i; k++)
            if (strcmp(c->labels[k], c->labels[i]) == 0)
                eval_fail(ctx, a->name ? a->name_loc : a->value->loc,
                          "two options of this choice are labelled '%s'; label them apart "
                          "(choice(a = ..., b = ...))", c->labels[i]);
    }
    return c;
}

typedef struct {
    const char *parent;
    int option;
    int iteration;
} parent_state;

static parent_state enter(eval_ctx *ctx, const char *name, int option, int iteration)
{
    parent_state saved = {ctx->choice_parent, ctx->choice_parent_option,
                          ctx->choice_parent_iteration};
    ctx->choice_parent = name;
    ctx->choice_parent_option = option;
    ctx->choice_parent_iteration = iteration;
    return saved;
}

static void leave(eval_ctx *ctx, parent_state saved)
{
    ctx->choice_parent = saved.parent;
    ctx->choice_parent_option = saved.option;
    ctx->choice_parent_iteration = saved.iteration;
}

/* C(n, k), or -1 above PICK_MAX_OPTIONS. */
static int64_t binomial(int n, int k)
{
    int64_t r = 1;
    for (int i = 1; i <= k; i++) {
        r = r * (n - k + i) / i;
        if (r > PICK_MAX_OPTIONS)
            return -1;
    }
    return r;
}

/* The k-subsets of 0..n-1 in lexicographic order; fills idx with subset `rank`. */
static void unrank_subset(int n, int k, int64_t rank, int *idx)
{
    int next = 0;
    for (int slot = 0; slot < k; slot++) {
        for (int v = next;; v++) {
            int64_t below = binomial(n - v - 1, k - slot - 1);
            if (rank < below) {
                idx[slot] = v;
                next = v + 1;
                break;
            }
            rank -= below;
        }
    }
}

static value eval_pick(eval_ctx *ctx, const ast_expr *choice, const ast_expr *named)
{
    if (choice->args.len != 2)
        eval_fail(ctx, choice->loc, "pick takes two arguments, pick(k, list), got %d",
                  choice->args.len);
    for (int i = 0; i < 2; i++) {
        const ast_arg *a = choice->args.items[i];
        if (a->name)
            eval_fail(ctx, a->name_loc, "pick takes its arguments by position: pick(k, list)");
    }
    const ast_expr *k_expr = ((const ast_arg *)choice->args.items[0])->value;
    const ast_expr *list_expr = ((const ast_arg *)choice->args.items[1])->value;
    const char *pending = eval_take_pending(ctx);
    int64_t k = value_to_int(ctx, eval_expr(ctx, k_expr), k_expr->loc, "the count of a pick");
    value list = eval_expr(ctx, list_expr);
    ctx->pending = pending;
    if (list.kind != V_LIST)
        eval_fail(ctx, list_expr->loc, "pick chooses from a list, got %s", value_type_name(list));
    int n = list.as.list->len;
    if (k < 1 || k > n)
        eval_fail(ctx, k_expr->loc, "pick(%lld, ...) from a list of %d: the count must be "
                                    "between 1 and %d", (long long)k, n, n);
    int64_t count = binomial(n, (int)k);
    if (count < 0)
        eval_fail(ctx, choice->loc, "pick(%lld, ...) from %d items has more than %d options",
                  (long long)k, n, PICK_MAX_OPTIONS);

    fe_choice *c = arena_alloc(sizeof *c);
    c->name = point_name(ctx, choice, named);
    c->kind = FE_CHOICE_PICK;
    c->shared = choice->b;
    c->noptions = (int)count;
    c->loc = named ? loc_span(choice->loc, named->name_loc) : choice->loc;
    c->labels = arena_alloc(sizeof(char *) * (size_t)count);
    int *idx = arena_alloc(sizeof(int) * (size_t)k);
    for (int64_t r = 0; r < count; r++) {
        unrank_subset(n, (int)k, r, idx);
        const char *label = "";
        for (int s = 0; s < k; s++)
            label = arena_printf("%s%s%d", label, s ? "+" : "", idx[s]);
        c->labels[r] = label;
    }
    eval_charge(ctx, count, choice->loc);

    int decision = decide(ctx, c);
    unrank_subset(n, (int)k, decision, idx);
    value out = make_list((int)k);
    for (int s = 0; s < k; s++)
        out.as.list->items[s] = list.as.list->items[idx[s]];
    return out;
}

/*
 * Decides a `choice` and enters its chosen option, whose expression it
 * returns. The pending layer name (a seq index) is kept for the option.
 */
static const ast_expr *enter_option(eval_ctx *ctx, const ast_expr *choice, const ast_expr *named,
                                    parent_state *saved)
{
    const char *pending = eval_take_pending(ctx);
    src_loc pending_loc = ctx->pending_loc;
    fe_choice *c = one_of(ctx, choice, named, NULL);
    int decision = decide(ctx, c);
    ctx->pending = pending;
    ctx->pending_loc = pending_loc;
    *saved = enter(ctx, c->name, decision, -1);
    return ((const ast_arg *)choice->args.items[decision])->value;
}

value eval_choice_expr(eval_ctx *ctx, const ast_expr *choice, const ast_expr *named)
{
    if (choice->kind == AST_PICK)
        return eval_pick(ctx, choice, named);
    parent_state saved;
    const ast_expr *option = enter_option(ctx, choice, named, &saved);
    value v = eval_expr(ctx, option);
    leave(ctx, saved);
    return v;
}

value eval_choice_stage(eval_ctx *ctx, const ast_expr *choice, const ast_expr *named, value input,
                        src_loc input_loc)
{
    if (choice->kind == AST_PICK)
        eval_fail(ctx, choice->loc, "a pick gives a list, not a pipe stage");
    parent_state saved;
    const ast_expr *option = enter_option(ctx, choice, named, &saved);
    value v = eval_apply_stage(ctx, option, input, input_loc);
    leave(ctx, saved);
    return v;
}

void eval_repeat_choice(eval_ctx *ctx, const ast_expr *count, const ast_stmt *body)
{
    const ast_expr *choice = eval_as_choice(count);
    const ast_expr *named = choice != count ? count : NULL;
    if (choice->kind == AST_PICK)
        eval_fail(ctx, choice->loc, "a repeat count must be an integer; pick gives a list");
    if (choice->args.len == 0)
        eval_fail(ctx, choice->loc, "a choice needs at least one option");
    int64_t *depths = arena_alloc(sizeof(int64_t) * (size_t)choice->args.len);
    for (int i = 0; i < choice->args.len; i++) {
        const ast_expr *e = ((const ast_arg *)choice->args.items[i])->value;
        depths[i] = value_to_int(ctx, eval_expr(ctx, e), e->loc, "a repeat count");
        if (depths[i] < 0)
            eval_fail(ctx, e->loc, "repeat count %lld is negative", (long long)depths[i]);
    }
    fe_choice *c = one_of(ctx, choice, named, depths);
    c->kind = FE_CHOICE_DEPTH;
    c->depths = depths;
    int64_t n = c->depths[decide(ctx, c)];
    /* Points right in the body are named per iteration: kernel.0, kernel.1 ... */
    const char *saved_suffix = ctx->choice_suffix;
    const struct scope *saved_scope = ctx->choice_suffix_scope;
    const char *outer = saved_scope == ctx->scope && saved_suffix ? saved_suffix : "";
    for (int64_t i = 0; i < n && !ctx->frame->returned; i++) {
        eval_charge(ctx, 1, count->loc);
        parent_state saved = enter(ctx, c->name, -1, (int)(i < INT32_MAX ? i : INT32_MAX));
        ctx->choice_suffix = arena_printf("%s.%lld", outer, (long long)i);
        ctx->choice_suffix_scope = ctx->scope;
        eval_stmts(ctx, body);
        leave(ctx, saved);
    }
    ctx->choice_suffix = saved_suffix;
    ctx->choice_suffix_scope = saved_scope;
}
