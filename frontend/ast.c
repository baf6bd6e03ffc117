/*
 * AST constructors, called from the one-line actions of grammar/nas.y.
 * They only allocate and fill nodes; all checking happens in eval.c.
 */
#include "ast.h"

#include <string.h>

ast_expr *ast_new_expr(ast_expr_kind kind, src_loc loc)
{
    ast_expr *e = arena_alloc(sizeof *e);
    e->kind = kind;
    e->loc = loc;
    return e;
}

ast_expr *ast_int(int64_t value, src_loc loc)
{
    ast_expr *e = ast_new_expr(AST_INT, loc);
    e->i = value;
    return e;
}

ast_expr *ast_float(double value, src_loc loc)
{
    ast_expr *e = ast_new_expr(AST_FLOAT, loc);
    e->f = value;
    return e;
}

ast_expr *ast_bool(bool value, src_loc loc)
{
    ast_expr *e = ast_new_expr(AST_BOOL, loc);
    e->b = value;
    return e;
}

ast_expr *ast_string(const char *s, src_loc loc)
{
    ast_expr *e = ast_new_expr(AST_STRING, loc);
    e->s = s;
    return e;
}

ast_expr *ast_name(const char *name, src_loc loc)
{
    ast_expr *e = ast_new_expr(AST_NAME, loc);
    e->s = name;
    return e;
}

ast_expr *ast_unary(ast_operator op, ast_expr *operand, src_loc loc)
{
    ast_expr *e = ast_new_expr(AST_UNARY, loc_span(loc, operand->loc));
    e->op = op;
    e->lhs = operand;
    return e;
}

ast_expr *ast_binary(ast_operator op, ast_expr *lhs, ast_expr *rhs)
{
    ast_expr *e = ast_new_expr(AST_BINARY, loc_span(lhs->loc, rhs->loc));
    e->op = op;
    e->lhs = lhs;
    e->rhs = rhs;
    return e;
}

ast_expr *ast_cond(ast_expr *cond, ast_expr *then_expr, ast_expr *else_expr, src_loc loc)
{
    ast_expr *e = ast_new_expr(AST_COND, loc_span(loc, else_expr->loc));
    e->cond = cond;
    e->then_expr = then_expr;
    e->else_expr = else_expr;
    return e;
}

ast_expr *ast_call(ast_expr *callee, ptr_vec args, src_loc loc)
{
    ast_expr *e = ast_new_expr(AST_CALL, loc_span(callee->loc, loc));
    e->callee = callee;
    e->args = args;
    return e;
}

ast_expr *ast_member(ast_expr *lhs, const char *field, src_loc loc)
{
    ast_expr *e = ast_new_expr(AST_MEMBER, loc_span(lhs->loc, loc));
    e->lhs = lhs;
    e->s = field;
    e->name_loc = loc;
    return e;
}

ast_expr *ast_index(ast_expr *lhs, ast_expr *index, src_loc loc)
{
    ast_expr *e = ast_new_expr(AST_INDEX, loc_span(lhs->loc, loc));
    e->lhs = lhs;
    e->rhs = index;
    return e;
}

ast_expr *ast_pipe(ast_expr *lhs, ast_expr *stage)
{
    ast_expr *e = ast_new_expr(AST_PIPE, loc_span(lhs->loc, stage->loc));
    e->lhs = lhs;
    e->rhs = stage;
    return e;
}

ast_expr *ast_seq(const char *name, src_loc name_loc, ast_stmt *body, src_loc loc)
{
    ast_expr *e = ast_new_expr(AST_SEQ, loc);
    e->s = name;
    e->name_loc = name_loc;
    e->body = body;
    return e;
}

ast_expr *ast_named(ast_expr *expr, const char *name, src_loc name_loc)
{
    ast_expr *e = ast_new_expr(AST_NAMED, loc_span(expr->loc, name_loc));
    e->lhs = expr;
    e->s = name;
    e->name_loc = name_loc;
    return e;
}

ast_expr *ast_named_computed(ast_expr *expr, ast_expr *name, src_loc name_loc)
{
    ast_expr *e = ast_named(expr, NULL, name_loc);
    e->name_expr = name;
    return e;
}

ast_expr *ast_seq_computed(ast_expr *name, src_loc name_loc, ast_stmt *body, src_loc loc)
{
    ast_expr *e = ast_seq(NULL, name_loc, body, loc);
    e->name_expr = name;
    return e;
}

ast_expr *ast_list(ptr_vec items, src_loc loc)
{
    ast_expr *e = ast_new_expr(AST_LIST, loc);
    e->list = items;
    return e;
}

ast_expr *ast_choice(ast_expr_kind kind, bool shared, ptr_vec args, src_loc loc)
{
    ast_expr *e = ast_new_expr(kind, loc);
    e->b = shared;
    e->args = args;
    return e;
}

ast_arg *ast_arg_new(const char *name, src_loc name_loc, ast_expr *value)
{
    ast_arg *a = arena_alloc(sizeof *a);
    a->name = name;
    a->name_loc = name_loc;
    a->value = value;
    return a;
}

static ast_stmt *new_stmt(ast_stmt_kind kind, src_loc loc)
{
    ast_stmt *s = arena_alloc(sizeof *s);
    s->kind = kind;
    s->loc = loc;
    return s;
}

ast_stmt *ast_assign(ptr_vec targets, ast_expr *value, src_loc loc)
{
    ast_stmt *s = new_stmt(ST_ASSIGN, loc_span(loc, value->loc));
    s->targets = targets;
    s->value = value;
    return s;
}

ast_stmt *ast_directive(const char *word, src_loc word_loc, const char *text, src_loc text_loc)
{
    static const char *const words[] = {"genotype", "constraint", "objective"};
    bool known = false;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        known |= strcmp(word, words[i]) == 0;
    if (!known) {
        diag_error(word_loc, "'%s' followed by a string is not a statement; the directives are "
                             "genotype, constraint and objective", word);
        return NULL;
    }
    ast_stmt *s = new_stmt(ST_DIRECTIVE, loc_span(word_loc, text_loc));
    s->var = word;
    s->var_loc = word_loc;
    s->value = ast_string(text, text_loc);
    return s;
}

ast_stmt *ast_expr_stmt(ast_expr *value)
{
    ast_stmt *s = new_stmt(ST_EXPR, value->loc);
    s->value = value;
    return s;
}

ast_stmt *ast_return(ptr_vec values, src_loc loc)
{
    ast_stmt *s = new_stmt(ST_RETURN, loc);
    s->values = values;
    if (values.len > 0)
        s->loc = loc_span(loc, ((ast_expr *)values.items[values.len - 1])->loc);
    return s;
}

ast_stmt *ast_if(ast_expr *cond, ast_stmt *body, ast_stmt *else_body, src_loc loc)
{
    ast_stmt *s = new_stmt(ST_IF, loc);
    s->value = cond;
    s->body = body;
    s->else_body = else_body;
    return s;
}

ast_stmt *ast_repeat(const char *var, src_loc var_loc, ast_expr *value, ast_stmt *body, src_loc loc)
{
    ast_stmt *s = new_stmt(ST_REPEAT, loc);
    s->var = var;
    s->var_loc = var_loc;
    s->value = value;
    s->body = body;
    return s;
}

ast_target *ast_target_new(const char *name, src_loc loc)
{
    ast_target *t = arena_alloc(sizeof *t);
    t->name = name;
    t->loc = loc;
    return t;
}

ast_stmt_list ast_stmt_append(ast_stmt_list list, ast_stmt *stmt)
{
    if (!stmt)
        return list;
    if (list.last)
        list.last->next = stmt;
    else
        list.first = stmt;
    list.last = stmt;
    return list;
}

ast_param *ast_param_new(const char *name, src_loc loc, ast_expr *def)
{
    ast_param *p = arena_alloc(sizeof *p);
    p->name = name;
    p->loc = loc;
    p->def = def;
    return p;
}

ast_decl *ast_decl_new(ast_decl_kind kind, const char *name, src_loc loc, src_loc keyword_loc,
                       ptr_vec params, ast_stmt *body)
{
    ast_decl *d = arena_alloc(sizeof *d);
    d->kind = kind;
    d->name = name;
    d->loc = loc;
    d->keyword_loc = keyword_loc;
    d->params = params;
    d->body = body;
    return d;
}

ptr_vec ast_vec1(void *item)
{
    ptr_vec v = {0};
    vec_push(&v, item);
    return v;
}

ptr_vec ast_vec_append(ptr_vec v, void *item)
{
    vec_push(&v, item);
    return v;
}

ptr_vec ast_vec_prepend(void *item, ptr_vec v)
{
    ptr_vec out = ast_vec1(item);
    for (int i = 0; i < v.len; i++)
        vec_push(&out, v.items[i]);
    return out;
}
