/* A Bison parser, made by GNU Bison 3.8.2.  */

/* Bison interface for Yacc-like parsers in C

   Copyright (C) 1984, 1989-1990, 2000-2015, 2018-2021 Free Software Foundation,
   Inc.

   This program is free software: you can redistribute it and/or modify
   it under the terms of the GNU General Public License as published by
   the Free Software Foundation, either version 3 of the License, or
   (at your option) any later version.

   This program is distributed in the hope that it will be useful,
   but WITHOUT ANY WARRANTY; without even the implied warranty of
   MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
   GNU General Public License for more details.

   You should have received a copy of the GNU General Public License
   along with this program.  If not, see <https://www.gnu.org/licenses/>.  */

/* As a special exception, you may create a larger work that contains
   part or all of the Bison parser skeleton and distribute that work
   under terms of your choice, so long as that work isn't itself a
   parser generator using the skeleton or a modified version thereof
   as a parser skeleton.  Alternatively, if you modify or redistribute
   the parser skeleton itself, you may (at your option) remove this
   special exception, which will cause the skeleton and the resulting
   Bison output files to be licensed under the GNU General Public
   License without this special exception.

   This special exception was added by the Free Software Foundation in
   version 2.2 of Bison.  */

/* DO NOT RELY ON FEATURES THAT ARE NOT DOCUMENTED in the manual,
   especially those whose name start with YY_ or yy_.  They are
   private implementation details that can be changed or removed.  */

#ifndef YY_NAS_NAS_TAB_H_INCLUDED
# define YY_NAS_NAS_TAB_H_INCLUDED
/* Debug traces.  */
#ifndef NAS_DEBUG
# if defined YYDEBUG
#if YYDEBUG
#   define NAS_DEBUG 1
#  else
#   define NAS_DEBUG 0
#  endif
# else /* ! defined YYDEBUG */
#  define NAS_DEBUG 0
# endif /* ! defined YYDEBUG */
#endif  /* ! defined NAS_DEBUG */
#if NAS_DEBUG
extern int nas_debug;
#endif
/* "%code requires" blocks.  */
#line 20 "nas.y"

#include "lexer.h"

#line 61 "nas.tab.h"

/* Token kinds.  */
#ifndef NAS_TOKENTYPE
# define NAS_TOKENTYPE
  enum nas_tokentype
  {
    NAS_EMPTY = -2,
    END = 0,                       /* "end of file"  */
    NAS_error = 256,               /* error  */
    NAS_UNDEF = 257,               /* "invalid token"  */
    IDENT = 258,                   /* "identifier"  */
    INT = 259,                     /* "integer"  */
    FLOAT = 260,                   /* "float"  */
    STRING = 261,                  /* "string"  */
    IMPORT = 262,                  /* "import"  */
    BLOCK = 263,                   /* "block"  */
    FN = 264,                      /* "fn"  */
    NETWORK = 265,                 /* "network"  */
    RETURN = 266,                  /* "return"  */
    IF = 267,                      /* "if"  */
    THEN = 268,                    /* "then"  */
    ELSE = 269,                    /* "else"  */
    REPEAT = 270,                  /* "repeat"  */
    IN = 271,                      /* "in"  */
    SEQ = 272,                     /* "seq"  */
    AS = 273,                      /* "as"  */
    AND = 274,                     /* "and"  */
    OR = 275,                      /* "or"  */
    NOT = 276,                     /* "not"  */
    TRUE = 277,                    /* "true"  */
    FALSE = 278,                   /* "false"  */
    EQ = 279,                      /* "=="  */
    NE = 280,                      /* "!="  */
    LE = 281,                      /* "<="  */
    GE = 282,                      /* ">="  */
    FLOORDIV = 283                 /* "//"  */
  };
  typedef enum nas_tokentype nas_token_kind_t;
#endif

/* Value type.  */
#if ! defined NAS_STYPE && ! defined NAS_STYPE_IS_DECLARED
union NAS_STYPE
{
#line 59 "nas.y"

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

#line 119 "nas.tab.h"

};
typedef union NAS_STYPE NAS_STYPE;
# define NAS_STYPE_IS_TRIVIAL 1
# define NAS_STYPE_IS_DECLARED 1
#endif

/* Location type.  */
typedef src_loc NAS_LTYPE;




int nas_parse (void *scanner, lex_state *state);

/* "%code provides" blocks.  */
#line 24 "nas.y"

int nas_lex(NAS_STYPE *lval, src_loc *lloc, void *scanner);

#line 140 "nas.tab.h"

#endif /* !YY_NAS_NAS_TAB_H_INCLUDED  */
