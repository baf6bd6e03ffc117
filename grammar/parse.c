/*
 * The entry point of the parser: runs the flex scanner and bison parser of
 * this folder over one registered source file.
 */
#include "lexer.h"
#include "nas.tab.h"
#define YYSTYPE NAS_STYPE
#define YYLTYPE NAS_LTYPE
#define YY_DECL int nas_scan(NAS_STYPE *yylval_param, NAS_LTYPE *yylloc_param, yyscan_t yyscanner)
#include "lex.yy.h"

YY_DECL;

int nas_lex(NAS_STYPE *lval, src_loc *lloc, void *scanner)
{
    lex_state *state = nas_get_extra(scanner);
    if (state->value_mode && !state->value_started) {
        state->value_started = true;
        state->last_token = VALUE_START;
        *lloc = (src_loc){state->file, state->offset, state->offset};
        return VALUE_START;
    }
    return nas_scan(lval, lloc, scanner);
}

static ast_file *parse(int file, bool value_mode, uint32_t offset)
{
    const src_file *src = src_get(file);
    ast_file *result = arena_alloc(sizeof *result);
    result->file = file;

    lex_state state = {0};
    state.file = file;
    state.result = result;
    state.last_token = ';';
    state.value_mode = value_mode;
    state.offset = offset;

    yyscan_t scanner;
    if (nas_lex_init_extra(&state, &scanner) != 0) {
        diag_error(SRC_NONE, "cannot start the scanner");
        return result;
    }
    YY_BUFFER_STATE buffer = nas__scan_bytes(src->text + offset, (int)(src->len - offset), scanner);
    nas_parse(scanner, &state);
    nas__delete_buffer(buffer, scanner);
    nas_lex_destroy(scanner);
    return result;
}

ast_file *ast_parse(int file)
{
    return parse(file, false, 0);
}

ast_file *ast_parse_value(int file, uint32_t offset)
{
    return parse(file, true, offset);
}
