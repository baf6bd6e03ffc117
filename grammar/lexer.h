/*
 * State shared by the flex scanner (nas.l) and the bison parser (nas.y).
 * The scanner inserts a ';' token at a newline that can end a statement
 * (the rule Go uses), so statements need no explicit terminator.
 */
#ifndef NASC_LEXER_H
#define NASC_LEXER_H

#include "../frontend/ast.h"

/*
 * Brackets, braces and parentheses may nest this deep. The limit keeps the
 * parser's stack and the evaluator's recursion small; real networks nest a
 * handful of levels.
 */
#define LEX_MAX_NESTING 256

typedef struct lex_state {
    int file;
    uint32_t offset;       /* byte offset of the next unread character */
    int depth;             /* open brackets */
    char brackets[LEX_MAX_NESTING]; /* '(' , '[' or '{' for each open one */
    src_loc bracket_locs[LEX_MAX_NESTING];
    char mismatched;       /* the bracket the last closer did not match, or 0 */
    src_loc mismatched_loc;
    int last_token;        /* the previous token, for ';' insertion */
    int token_before_last; /* the one before it, for syntax error hints */
    const char *last_word;        /* text of the last token if an identifier, else NULL */
    const char *word_before_last; /* the same for the token before it */
    int indents[LEX_MAX_NESTING]; /* indentation of the line of each open bracket */
    src_loc misindented_open;   /* a '{' closed by a '}' indented differently, or none */
    bool has_misindented;
    bool at_eof;           /* the final ';' has been sent */
    bool stopped;          /* a limit was hit; the rest of the file is skipped */
    bool value_mode;       /* the source is one expression: start with VALUE_START */
    bool value_started;    /* VALUE_START has been sent */
    src_loc comment_start; /* where the open block comment began */
    ast_file *result;
} lex_state;

#endif
