/*
 * Grammar of the .nas language: a pure, reentrant LALR(1) parser with
 * byte-range locations. Actions are one line and call the ast_* builders;
 * all meaning is given later by frontend/eval.c.
 *
 * Statements are separated by ';', which the scanner also inserts at line
 * ends (see nas.l). Error recovery happens at statement and declaration
 * boundaries, so one run reports several independent mistakes. A few
 * productions exist only to turn common mistakes into precise hints.
 */
%define api.pure full
%define api.prefix {nas_}
%define api.location.type {src_loc}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {void *scanner}
%parse-param {lex_state *state}

%code top {
/* The parser's stack limit, in states; bison's default, named for the message below. */
#define YYMAXDEPTH 10000
}

%code requires {
#include "lexer.h"
}

%code provides {
int nas_lex(NAS_STYPE *lval, src_loc *lloc, void *scanner);
}

%code {
#include <string.h>

#define YYLLOC_DEFAULT(cur, rhs, n)                          \
    do {                                                     \
        if (n) {                                             \
            (cur).file = YYRHSLOC(rhs, 1).file;              \
            (cur).start = YYRHSLOC(rhs, 1).start;            \
            (cur).end = YYRHSLOC(rhs, n).end;                \
        } else {                                             \
            (cur).file = YYRHSLOC(rhs, 0).file;              \
            (cur).start = (cur).end = YYRHSLOC(rhs, 0).end;  \
        }                                                    \
    } while (0)

/* Bison calls this only when its stack is exhausted; syntax errors go to yyreport_syntax_error. */
static void nas_error(src_loc *loc, void *scanner, lex_state *state, const char *msg)
{
    (void)scanner;
    (void)state;
    if (strcmp(msg, "memory exhausted") == 0)
        diag_error(*loc, "expression nested too deeply for the parser (more than %d pending "
                         "operators or brackets)", YYMAXDEPTH);
    else
        diag_error(*loc, "%s", msg);
}

static ptr_vec no_items(void)
{
    return (ptr_vec){0};
}

static void add_decl(lex_state *state, ast_decl *decl)
{
    vec_push(&state->result->decls, decl);
}
}

%union {
    int64_t ival;
    double fval;
    const char *str;
    ast_expr *expr;
    ast_stmt *stmt;
    ast_stmt_list stmts;
    ptr_vec vec;
    ast_arg *arg;
    ast_param *param;
    ast_decl *decl;
}

%token END 0 "end of file"
%token <str> IDENT "identifier"
%token <ival> INT "integer"
%token <fval> FLOAT "float"
%token <str> STRING "string"
%token IMPORT "import" BLOCK "block" FN "fn" NETWORK "network"
%token RETURN "return" IF "if" THEN "then" ELSE "else" REPEAT "repeat" IN "in"
%token SEQ "seq" AS "as" AND "and" OR "or" NOT "not" TRUE "true" FALSE "false"
%token CHOICE "choice" PICK "pick" SHARED "shared"
%token EQ "==" NE "!=" LE "<=" GE ">=" FLOORDIV "//" POW "**"
%token VALUE_START "start of a value"

%type <expr> expr pipe stage cond or_expr and_expr not_expr cmp sum term unary power postfix primary
%type <str> layer_name
%type <stmt> stmt if_stmt body
%type <stmts> stmt_list stmts
%type <vec> params param_list args arg_list expr_list list_items targets
%type <arg> arg
%type <param> param
%type <decl> decl

%%

file:
    decls
  | "start of a value" expr                 { state->result->value = $2; }
  | "start of a value" expr ';'             { state->result->value = $2; }
  ;

decls:
    %empty
  | decls decl              { if ($2) add_decl(state, $2); }
  | decls ';'
  | decls error ';'
  ;

decl:
    "import" "string" ';'                     { $$ = ast_decl_new(DECL_IMPORT, $2, @2, @1, no_items(), NULL); }
  | "block" "identifier" '(' params ')' body  { $$ = ast_decl_new(DECL_BLOCK, $2, @2, @1, $4, $6); }
  | "fn" "identifier" '(' params ')' body     { $$ = ast_decl_new(DECL_FN, $2, @2, @1, $4, $6); }
  | "network" "identifier" '(' params ')' body { $$ = ast_decl_new(DECL_NETWORK, $2, @2, @1, $4, $6); }
  ;

params:
    %empty                  { $$ = no_items(); }
  | param_list
  | param_list ','
  ;

param_list:
    param                   { $$ = ast_vec1($1); }
  | param_list ',' param    { $$ = ast_vec_append($1, $3); }
  ;

param:
    "identifier"            { $$ = ast_param_new($1, @1, NULL); }
  | "identifier" '=' expr   { $$ = ast_param_new($1, @1, $3); }
  ;

body:
    '{' stmts '}'           { $$ = $2.first; }
  ;

stmts:
    stmt_list
  | stmt_list stmt          { $$ = ast_stmt_append($1, $2); }
  ;

stmt_list:
    %empty                  { $$ = (ast_stmt_list){NULL, NULL}; }
  | stmt_list ';'
  | stmt_list stmt ';'      { $$ = ast_stmt_append($1, $2); }
  | stmt_list error ';'
  ;

stmt:
    targets '=' expr                        { $$ = ast_assign($1, $3, @1); }
  | "return" expr_list                      { $$ = ast_return($2, @1); }
  | if_stmt
  | "repeat" expr body                      { $$ = ast_repeat(NULL, SRC_NONE, $2, $3, @1); }
  | "repeat" "identifier" "in" expr body    { $$ = ast_repeat($2, @2, $4, $5, @1); }
  | expr                                    { $$ = ast_expr_stmt($1); }
  | "identifier" "string"                   { $$ = ast_directive($1, @1, $2, @2); }
  | "else" body             { diag_error(@1, "'else' must be on the same line as the '}' that closes the 'if' body"); $$ = NULL; }
  | "else" if_stmt          { diag_error(@1, "'else' must be on the same line as the '}' that closes the 'if' body"); $$ = NULL; }
  | "if" expr '=' expr body { diag_error(@3, "'=' assigns; use '==' to compare"); $$ = NULL; }
  | "import" "string"       { diag_error(@1, "'import' is allowed only at the top level of a file"); $$ = NULL; }
  ;

if_stmt:
    "if" expr body                          { $$ = ast_if($2, $3, NULL, @1); }
  | "if" expr body "else" body              { $$ = ast_if($2, $3, $5, @1); }
  | "if" expr body "else" if_stmt           { $$ = ast_if($2, $3, $5, @1); }
  ;

targets:
    "identifier"                            { $$ = ast_vec1(ast_target_new($1, @1)); }
  | targets ',' "identifier"                { $$ = ast_vec_append($1, ast_target_new($3, @3)); }
  ;

expr_list:
    expr                    { $$ = ast_vec1($1); }
  | expr_list ',' expr      { $$ = ast_vec_append($1, $3); }
  ;

expr:
    pipe
  ;

pipe:
    cond
  | pipe '|' stage          { $$ = ast_pipe($1, $3); }
  ;

stage:
    postfix
  ;

cond:
    or_expr
  | "if" expr "then" expr "else" cond       { $$ = ast_cond($2, $4, $6, @1); }
  ;

or_expr:
    and_expr
  | or_expr "or" and_expr   { $$ = ast_binary(OP_OR, $1, $3); }
  ;

and_expr:
    not_expr
  | and_expr "and" not_expr { $$ = ast_binary(OP_AND, $1, $3); }
  ;

not_expr:
    cmp
  | "not" not_expr          { $$ = ast_unary(OP_NOT, $2, @1); }
  ;

cmp:
    sum
  | sum "==" sum            { $$ = ast_binary(OP_EQ, $1, $3); }
  | sum "!=" sum            { $$ = ast_binary(OP_NE, $1, $3); }
  | sum '<' sum             { $$ = ast_binary(OP_LT, $1, $3); }
  | sum "<=" sum            { $$ = ast_binary(OP_LE, $1, $3); }
  | sum '>' sum             { $$ = ast_binary(OP_GT, $1, $3); }
  | sum ">=" sum            { $$ = ast_binary(OP_GE, $1, $3); }
  ;

sum:
    term
  | sum '+' term            { $$ = ast_binary(OP_ADD, $1, $3); }
  | sum '-' term            { $$ = ast_binary(OP_SUB, $1, $3); }
  ;

term:
    unary
  | term '*' unary          { $$ = ast_binary(OP_MUL, $1, $3); }
  | term '/' unary          { $$ = ast_binary(OP_DIV, $1, $3); }
  | term "//" unary         { $$ = ast_binary(OP_FLOORDIV, $1, $3); }
  | term '%' unary          { $$ = ast_binary(OP_MOD, $1, $3); }
  ;

unary:
    power
  | '-' unary               { $$ = ast_unary(OP_NEG, $2, @1); }
  ;

/* As in Python, ** binds tighter than a unary minus on its left: -2 ** 2 is -4. */
power:
    postfix
  | postfix "**" unary      { $$ = ast_binary(OP_POW, $1, $3); }
  ;

postfix:
    primary
  | postfix '(' args ')'            { $$ = ast_call($1, $3, @4); }
  | postfix '.' "identifier"        { $$ = ast_member($1, $3, @3); }
  | postfix '[' expr ']'            { $$ = ast_index($1, $3, @4); }
  | postfix "as" layer_name         { $$ = ast_named($1, $3, @3); }
  | postfix "as" '(' expr ')'       { $$ = ast_named_computed($1, $4, @4); }
  ;

/* Keywords are allowed too: PyTorch models name submodules "block" or "in". */
layer_name:
    "identifier"
  | "integer"               { $$ = arena_printf("%lld", (long long)$1); }
  | keyword                 { $$ = arena_strndup(src_get(@1.file)->text + @1.start, @1.end - @1.start); }
  ;

keyword:
    "import" | "block" | "fn" | "network" | "return" | "if" | "then" | "else" | "repeat"
  | "in" | "seq" | "as" | "and" | "or" | "not" | "true" | "false" | "choice" | "pick" | "shared"
  ;

primary:
    "integer"               { $$ = ast_int($1, @1); }
  | "float"                 { $$ = ast_float($1, @1); }
  | "string"                { $$ = ast_string($1, @1); }
  | "true"                  { $$ = ast_bool(true, @1); }
  | "false"                 { $$ = ast_bool(false, @1); }
  | "identifier"            { $$ = ast_name($1, @1); }
  | "in"                    { $$ = ast_new_expr(AST_IN, @1); }
  | '(' expr ')'            { $$ = $2; $$->loc = @$; }
  | '(' expr ',' expr_list ')' { diag_error(@$, "tuples are written as lists: [a, b]"); $$ = ast_list(ast_vec_prepend($2, $4), @$); }
  | '[' list_items ']'      { $$ = ast_list($2, @$); }
  | "choice" '(' args ')'            { $$ = ast_choice(AST_CHOICE, false, $3, @$); }
  | "shared" "choice" '(' args ')'   { $$ = ast_choice(AST_CHOICE, true, $4, @$); }
  | "pick" '(' args ')'              { $$ = ast_choice(AST_PICK, false, $3, @$); }
  | "shared" "pick" '(' args ')'     { $$ = ast_choice(AST_PICK, true, $4, @$); }
  | "seq" body              { $$ = ast_seq(NULL, SRC_NONE, $2, @1); }
  | "seq" "as" layer_name body { $$ = ast_seq($3, @3, $4, @1); }
  | "seq" "as" '(' expr ')' body { $$ = ast_seq_computed($4, @4, $6, @1); }
  ;

list_items:
    %empty                  { $$ = no_items(); }
  | expr_list
  | expr_list ','
  ;

args:
    %empty                  { $$ = no_items(); }
  | arg_list
  | arg_list ','
  ;

arg_list:
    arg                     { $$ = ast_vec1($1); }
  | arg_list ',' arg        { $$ = ast_vec_append($1, $3); }
  ;

arg:
    expr                            { $$ = ast_arg_new(NULL, SRC_NONE, $1); }
  | "identifier" '=' expr           { $$ = ast_arg_new($1, @1, $3); }
  | "identifier" ':' expr           { diag_error(@2, "keyword arguments use '=', not ':'"); $$ = ast_arg_new($1, @1, $3); }
  ;

%%

/* A token's name without the double quotes of a string alias: "return" -> return. */
static const char *symbol_text(yysymbol_kind_t sym)
{
    const char *name = yysymbol_name(sym);
    size_t len = strlen(name);
    if (len >= 2 && name[0] == '"')
        return arena_strndup(name + 1, len - 2);
    return name;
}

static bool symbol_is(yysymbol_kind_t sym, const char *text)
{
    return strcmp(symbol_text(sym), text) == 0;
}

/* Names a token as it appears in source: keywords and punctuation in quotes. */
static const char *token_display(yysymbol_kind_t sym)
{
    static const char *const word_classes[] = {
        "identifier", "integer", "float", "string", "end of file",
    };
    const char *name = symbol_text(sym);
    if (strcmp(name, "';'") == 0)
        return "end of statement";
    for (size_t i = 0; i < sizeof word_classes / sizeof word_classes[0]; i++)
        if (strcmp(name, word_classes[i]) == 0)
            return name;
    if (name[0] == '\'')
        return name;
    return arena_printf("'%s'", name);
}

/*
 * Tokens left out of "expected ..." lists. Operators can follow almost any
 * operand, so listing them hides the useful tokens (a missing ',' or ')').
 * The ':' token is accepted only to report a hint.
 */
static bool is_hidden_token(yysymbol_kind_t sym)
{
    static const char *const hidden[] = {
        "'+'", "'-'", "'*'", "'/'", "'%'", "'<'", "'>'", "'|'", "'.'", "'('", "'['", "':'",
        "==", "!=", "<=", ">=", "//", "**", "and", "or", "as",
    };
    for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
        if (symbol_is(sym, hidden[i]))
            return true;
    return false;
}

/* Hints for Python habits and line breaks that make a syntax error, or NULL. */
static const char *python_hint(const lex_state *state, yysymbol_kind_t found)
{
    if (state->word_before_last) {
        const char *word = state->word_before_last;
        if (strcmp(word, "for") == 0 || strcmp(word, "while") == 0)
            return "there is no 'for' or 'while' loop: write 'repeat i in range(n) { ... }' "
                   "or 'repeat n { ... }'";
        if (strcmp(word, "def") == 0 || strcmp(word, "class") == 0)
            return "declare a block with 'block NAME(params) { ... }' or a function with "
                   "'fn NAME(params) { ... }'";
        if (strcmp(word, "elif") == 0)
            return "write 'else if', not 'elif'";
    }
    if (symbol_is(found, "'|'") && state->token_before_last == ';')
        return "a line cannot start with '|': end the previous line with '|' to continue a pipe";
    return NULL;
}

static int yyreport_syntax_error(const yypcontext_t *ctx, void *scanner, lex_state *state)
{
    (void)scanner;
    if (state->stopped)
        return 0;
    enum { MAX_SHOWN = 4 };
    yysymbol_kind_t expected[YYNTOKENS];
    int n = yypcontext_expected_tokens(ctx, expected, YYNTOKENS);
    yysymbol_kind_t found = yypcontext_token(ctx);

    yysymbol_kind_t shown[MAX_SHOWN];
    int nshown = 0;
    for (int i = 0; i < n && nshown <= MAX_SHOWN; i++) {
        if (is_hidden_token(expected[i]))
            continue;
        if (nshown < MAX_SHOWN)
            shown[nshown] = expected[i];
        nshown++;
    }

    if (state->token_before_last == AS && symbol_is(found, "';'")) {
        diag_error(*yypcontext_location(ctx), "a layer name must follow 'as' on the same line");
        return 0;
    }

    const char *hint = python_hint(state, found);
    if (hint) {
        diag_error(*yypcontext_location(ctx), "%s", hint);
        return 0;
    }

    char *msg = arena_printf("syntax error: unexpected %s",
                             found == YYSYMBOL_YYEMPTY ? "token" : token_display(found));
    if (nshown > 0 && nshown <= MAX_SHOWN) {
        msg = arena_printf("%s, expected %s", msg, token_display(shown[0]));
        for (int i = 1; i < nshown; i++)
            msg = arena_printf("%s%s%s", msg, i == nshown - 1 ? " or " : ", ",
                               token_display(shown[i]));
    }
    diag_error(*yypcontext_location(ctx), "%s", msg);
    /*
     * An unclosed bracket is the likely cause at the end of the file, at a
     * declaration keyword inside any bracket, or at a statement keyword
     * inside '(' or '[', where no statement can start.
     */
    bool statement_keyword = found == YYSYMBOL_RETURN || found == YYSYMBOL_REPEAT;
    bool declaration_keyword = found == YYSYMBOL_BLOCK || found == YYSYMBOL_NETWORK ||
                               found == YYSYMBOL_FN || found == YYSYMBOL_IMPORT;
    bool in_parens = state->depth > 0 && state->brackets[state->depth - 1] != '{';
    bool unclosed_likely = found == YYSYMBOL_YYEOF || (declaration_keyword && state->depth > 0) ||
                           (statement_keyword && in_parens);
    bool closer = symbol_is(found, "')'") || symbol_is(found, "']'") || symbol_is(found, "'}'");
    if (closer && state->mismatched) {
        diag_note(state->mismatched_loc, "the '%c' opened here is not closed", state->mismatched);
    } else if (unclosed_likely && state->has_misindented) {
        diag_note(state->misindented_open, "this '{' may be the one not closed: the '}' that "
                                           "closes it is indented differently from its line");
    } else if (state->depth > 0 && unclosed_likely) {
        char open = state->brackets[state->depth - 1];
        diag_note(state->bracket_locs[state->depth - 1], "the '%c' opened here is not closed",
                  open);
    }
    return 0;
}
