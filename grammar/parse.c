/*
 * The entry point of the parser: runs the flex scanner and bison parser of
 * this folder over one registered source file.
 */
#include "lexer.h"
#include "nas.tab.h"
#define YYSTYPE NAS_STYPE
#define YYLTYPE NAS_LTYPE
#include "lex.yy.h"

ast_file *ast_parse(int file)
{
    const src_file *src = src_get(file);
    ast_file *result = arena_alloc(sizeof *result);
    result->file = file;

    lex_state state = {0};
    state.file = file;
    state.result = result;
    state.last_token = ';';

    yyscan_t scanner;
    if (nas_lex_init_extra(&state, &scanner) != 0) {
        diag_error(SRC_NONE, "cannot start the scanner");
        return result;
    }
    YY_BUFFER_STATE buffer = nas__scan_bytes(src->text, (int)src->len, scanner);
    nas_parse(scanner, &state);
    nas__delete_buffer(buffer, scanner);
    nas_lex_destroy(scanner);
    return result;
}
