/*
 * The abstract syntax tree of a .nas file, built by the parser
 * (grammar/nas.y) through the ast_* constructors below and read by the
 * evaluator (frontend/eval.c). Every node carries its source range.
 * Nodes live in the compilation arena and are never freed one by one.
 */
#ifndef NASC_AST_H
#define NASC_AST_H

#include "../common/common.h"

typedef struct ast_expr ast_expr;
typedef struct ast_stmt ast_stmt;

typedef enum {
    AST_INT,     /* i */
    AST_FLOAT,   /* f */
    AST_BOOL,    /* b */
    AST_STRING,  /* s */
    AST_NAME,    /* s: a variable, parameter, op, block or function name */
    AST_IN,      /* the block's or network's input tensor */
    AST_LIST,    /* list */
    AST_UNARY,   /* op, lhs */
    AST_BINARY,  /* op, lhs, rhs */
    AST_COND,    /* cond, then_expr, else_expr: `if c then a else b` */
    AST_CALL,    /* callee, args */
    AST_MEMBER,  /* lhs, s: `x.c` */
    AST_INDEX,   /* lhs, rhs: `l[i]` */
    AST_PIPE,    /* lhs, rhs: `lhs | stage` */
    AST_SEQ,     /* body, s or name_expr (the name after `seq as`), or neither */
    AST_NAMED,   /* lhs, s or name_expr: `expr as NAME`, `expr as (expr)` */
    AST_CHOICE,  /* args (options, maybe labelled), b (shared): `choice(a, b)` */
    AST_PICK,    /* args (k, list), b (shared): `pick(k, list)` */
} ast_expr_kind;

/* Operators of AST_UNARY and AST_BINARY. */
typedef enum {
    OP_NEG, OP_NOT,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_FLOORDIV, OP_MOD, OP_POW,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_AND, OP_OR,
} ast_operator;

typedef struct {
    const char *name; /* NULL for a positional argument */
    src_loc name_loc;
    ast_expr *value;
} ast_arg;

struct ast_expr {
    ast_expr_kind kind;
    src_loc loc;
    int64_t i;
    double f;
    bool b;
    const char *s;
    ast_operator op;
    ast_expr *lhs, *rhs;
    ast_expr *cond, *then_expr, *else_expr;
    ast_expr *callee;
    ptr_vec args;  /* of ast_arg */
    ptr_vec list;  /* of ast_expr */
    src_loc name_loc; /* AST_NAMED, AST_SEQ: the range of the name */
    ast_expr *name_expr; /* AST_NAMED, AST_SEQ: a computed name `as (expr)`, or NULL */
    ast_stmt *body;
};

typedef enum {
    ST_ASSIGN, /* targets, value */
    ST_EXPR,   /* value: a stage inside a seq, or an error elsewhere */
    ST_RETURN, /* values */
    ST_IF,     /* value (condition), body, else_body (may be one ST_IF) */
    ST_REPEAT, /* var (or NULL), value (count or list), body */
    ST_DIRECTIVE, /* var (genotype, constraint or objective), var_loc, value (the string) */
} ast_stmt_kind;

typedef struct {
    const char *name;
    src_loc loc;
} ast_target;

struct ast_stmt {
    ast_stmt_kind kind;
    src_loc loc;
    ast_stmt *next;
    ptr_vec targets; /* of ast_target */
    ast_expr *value;
    ptr_vec values;  /* of ast_expr */
    ast_stmt *body;
    ast_stmt *else_body;
    const char *var;
    src_loc var_loc;
};

typedef enum {
    DECL_IMPORT,  /* path */
    DECL_BLOCK,
    DECL_FN,
    DECL_NETWORK,
} ast_decl_kind;

typedef struct {
    const char *name;
    src_loc loc;
    ast_expr *def; /* NULL when required */
} ast_param;

typedef struct ast_decl {
    ast_decl_kind kind;
    const char *name;  /* declared name, or the import path */
    src_loc loc;       /* the name (or path) */
    src_loc keyword_loc;
    ptr_vec params;    /* of ast_param */
    ast_stmt *body;
} ast_decl;

/* The result of parsing one file. */
typedef struct {
    int file;
    ptr_vec decls;   /* of ast_decl */
    ast_expr *value; /* the expression of a file parsed with ast_parse_value */
} ast_file;

/* A linked list of statements under construction: first and last. */
typedef struct {
    ast_stmt *first, *last;
} ast_stmt_list;

ast_expr *ast_new_expr(ast_expr_kind kind, src_loc loc);
ast_expr *ast_int(int64_t value, src_loc loc);
ast_expr *ast_float(double value, src_loc loc);
ast_expr *ast_bool(bool value, src_loc loc);
ast_expr *ast_string(const char *s, src_loc loc);
ast_expr *ast_name(const char *name, src_loc loc);
ast_expr *ast_unary(ast_operator op, ast_expr *operand, src_loc loc);
ast_expr *ast_binary(ast_operator op, ast_expr *lhs, ast_expr *rhs);
ast_expr *ast_cond(ast_expr *cond, ast_expr *then_expr, ast_expr *else_expr, src_loc loc);
ast_expr *ast_call(ast_expr *callee, ptr_vec args, src_loc loc);
ast_expr *ast_member(ast_expr *lhs, const char *field, src_loc loc);
ast_expr *ast_index(ast_expr *lhs, ast_expr *index, src_loc loc);
ast_expr *ast_pipe(ast_expr *lhs, ast_expr *stage);
ast_expr *ast_seq(const char *name, src_loc name_loc, ast_stmt *body, src_loc loc);
ast_expr *ast_named(ast_expr *expr, const char *name, src_loc name_loc);
ast_expr *ast_named_computed(ast_expr *expr, ast_expr *name, src_loc name_loc);
ast_expr *ast_seq_computed(ast_expr *name, src_loc name_loc, ast_stmt *body, src_loc loc);
ast_expr *ast_list(ptr_vec items, src_loc loc);
ast_expr *ast_choice(ast_expr_kind kind, bool shared, ptr_vec args, src_loc loc);
/* `genotype "..."`, `constraint "..."`, `objective "..."`; NULL after an error. */
ast_stmt *ast_directive(const char *word, src_loc word_loc, const char *text, src_loc text_loc);
ast_arg *ast_arg_new(const char *name, src_loc name_loc, ast_expr *value);

ast_stmt *ast_assign(ptr_vec targets, ast_expr *value, src_loc loc);
ast_stmt *ast_expr_stmt(ast_expr *value);
ast_stmt *ast_return(ptr_vec values, src_loc loc);
ast_stmt *ast_if(ast_expr *cond, ast_stmt *body, ast_stmt *else_body, src_loc loc);
ast_stmt *ast_repeat(const char *var, src_loc var_loc, ast_expr *value, ast_stmt *body, src_loc loc);
ast_target *ast_target_new(const char *name, src_loc loc);
ast_stmt_list ast_stmt_append(ast_stmt_list list, ast_stmt *stmt);

ast_param *ast_param_new(const char *name, src_loc loc, ast_expr *def);
ast_decl *ast_decl_new(ast_decl_kind kind, const char *name, src_loc loc, src_loc keyword_loc,
                       ptr_vec params, ast_stmt *body);

ptr_vec ast_vec1(void *item);
ptr_vec ast_vec_append(ptr_vec v, void *item);
ptr_vec ast_vec_prepend(void *item, ptr_vec v);

/* Parse one registered source file; errors go to diag. Never NULL. */
ast_file *ast_parse(int file);

/* Parse one expression (a --set value), from byte `offset` of a registered source, into ->value. */
ast_file *ast_parse_value(int file, uint32_t offset);

#endif
