/* A Bison parser, made by GNU Bison 3.8.2.  */

/* Bison implementation for Yacc-like parsers in C

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

/* C LALR(1) parser skeleton written by Richard Stallman, by
   simplifying the original so-called "semantic" parser.  */

/* DO NOT RELY ON FEATURES THAT ARE NOT DOCUMENTED in the manual,
   especially those whose name start with YY_ or yy_.  They are
   private implementation details that can be changed or removed.  */

/* All symbols defined below should begin with yy or YY, to avoid
   infringing on user name space.  This should be done even for local
   variables, as they might otherwise be expanded by user macros.
   There are some unavoidable exceptions within include files to
   define necessary library symbols; they are noted "INFRINGES ON
   USER NAME SPACE" below.  */

/* Identify Bison output, and Bison version.  */
#define YYBISON 30802

/* Bison version string.  */
#define YYBISON_VERSION "3.8.2"

/* Skeleton name.  */
#define YYSKELETON_NAME "yacc.c"

/* Pure parsers.  */
#define YYPURE 2

/* Push parsers.  */
#define YYPUSH 0

/* Pull parsers.  */
#define YYPULL 1

/* Substitute the type names.  */
#define YYSTYPE         NAS_STYPE
#define YYLTYPE         NAS_LTYPE
/* Substitute the variable and function names.  */
#define yyparse         nas_parse
#define yylex           nas_lex
#define yyerror         nas_error
#define yydebug         nas_debug
#define yynerrs         nas_nerrs


# ifndef YY_CAST
#  ifdef __cplusplus
#   define YY_CAST(Type, Val) static_cast<Type> (Val)
#   define YY_REINTERPRET_CAST(Type, Val) reinterpret_cast<Type> (Val)
#  else
#   define YY_CAST(Type, Val) ((Type) (Val))
#   define YY_REINTERPRET_CAST(Type, Val) ((Type) (Val))
#  endif
# endif
# ifndef YY_NULLPTR
#  if defined __cplusplus
#   if 201103L <= __cplusplus
#    define YY_NULLPTR nullptr
#   else
#    define YY_NULLPTR 0
#   endif
#  else
#   define YY_NULLPTR ((void*)0)
#  endif
# endif

#include "nas.tab.h"
/* Symbol kind.  */
enum yysymbol_kind_t
{
  YYSYMBOL_YYEMPTY = -2,
  YYSYMBOL_YYEOF = 0,                      /* "end of file"  */
  YYSYMBOL_YYerror = 1,                    /* error  */
  YYSYMBOL_YYUNDEF = 2,                    /* "invalid token"  */
  YYSYMBOL_IDENT = 3,                      /* "identifier"  */
  YYSYMBOL_INT = 4,                        /* "integer"  */
  YYSYMBOL_FLOAT = 5,                      /* "float"  */
  YYSYMBOL_STRING = 6,                     /* "string"  */
  YYSYMBOL_IMPORT = 7,                     /* "import"  */
  YYSYMBOL_BLOCK = 8,                      /* "block"  */
  YYSYMBOL_FN = 9,                         /* "fn"  */
  YYSYMBOL_NETWORK = 10,                   /* "network"  */
  YYSYMBOL_RETURN = 11,                    /* "return"  */
  YYSYMBOL_IF = 12,                        /* "if"  */
  YYSYMBOL_THEN = 13,                      /* "then"  */
  YYSYMBOL_ELSE = 14,                      /* "else"  */
  YYSYMBOL_REPEAT = 15,                    /* "repeat"  */
  YYSYMBOL_IN = 16,                        /* "in"  */
  YYSYMBOL_SEQ = 17,                       /* "seq"  */
  YYSYMBOL_AS = 18,                        /* "as"  */
  YYSYMBOL_AND = 19,                       /* "and"  */
  YYSYMBOL_OR = 20,                        /* "or"  */
  YYSYMBOL_NOT = 21,                       /* "not"  */
  YYSYMBOL_TRUE = 22,                      /* "true"  */
  YYSYMBOL_FALSE = 23,                     /* "false"  */
  YYSYMBOL_EQ = 24,                        /* "=="  */
  YYSYMBOL_NE = 25,                        /* "!="  */
  YYSYMBOL_LE = 26,                        /* "<="  */
  YYSYMBOL_GE = 27,                        /* ">="  */
  YYSYMBOL_FLOORDIV = 28,                  /* "//"  */
  YYSYMBOL_29_ = 29,                       /* ';'  */
  YYSYMBOL_30_ = 30,                       /* '('  */
  YYSYMBOL_31_ = 31,                       /* ')'  */
  YYSYMBOL_32_ = 32,                       /* ','  */
  YYSYMBOL_33_ = 33,                       /* '='  */
  YYSYMBOL_34_ = 34,                       /* '{'  */
  YYSYMBOL_35_ = 35,                       /* '}'  */
  YYSYMBOL_36_ = 36,                       /* '|'  */
  YYSYMBOL_37_ = 37,                       /* '<'  */
  YYSYMBOL_38_ = 38,                       /* '>'  */
  YYSYMBOL_39_ = 39,                       /* '+'  */
  YYSYMBOL_40_ = 40,                       /* '-'  */
  YYSYMBOL_41_ = 41,                       /* '*'  */
  YYSYMBOL_42_ = 42,                       /* '/'  */
  YYSYMBOL_43_ = 43,                       /* '%'  */
  YYSYMBOL_44_ = 44,                       /* '.'  */
  YYSYMBOL_45_ = 45,                       /* '['  */
  YYSYMBOL_46_ = 46,                       /* ']'  */
  YYSYMBOL_47_ = 47,                       /* ':'  */
  YYSYMBOL_YYACCEPT = 48,                  /* $accept  */
  YYSYMBOL_file = 49,                      /* file  */
  YYSYMBOL_decls = 50,                     /* decls  */
  YYSYMBOL_decl = 51,                      /* decl  */
  YYSYMBOL_params = 52,                    /* params  */
  YYSYMBOL_param_list = 53,                /* param_list  */
  YYSYMBOL_param = 54,                     /* param  */
  YYSYMBOL_body = 55,                      /* body  */
  YYSYMBOL_stmts = 56,                     /* stmts  */
  YYSYMBOL_stmt_list = 57,                 /* stmt_list  */
  YYSYMBOL_stmt = 58,                      /* stmt  */
  YYSYMBOL_if_stmt = 59,                   /* if_stmt  */
  YYSYMBOL_targets = 60,                   /* targets  */
  YYSYMBOL_expr_list = 61,                 /* expr_list  */
  YYSYMBOL_expr = 62,                      /* expr  */
  YYSYMBOL_pipe = 63,                      /* pipe  */
  YYSYMBOL_stage = 64,                     /* stage  */
  YYSYMBOL_cond = 65,                      /* cond  */
  YYSYMBOL_or_expr = 66,                   /* or_expr  */
  YYSYMBOL_and_expr = 67,                  /* and_expr  */
  YYSYMBOL_not_expr = 68,                  /* not_expr  */
  YYSYMBOL_cmp = 69,                       /* cmp  */
  YYSYMBOL_sum = 70,                       /* sum  */
  YYSYMBOL_term = 71,                      /* term  */
  YYSYMBOL_unary = 72,                     /* unary  */
  YYSYMBOL_postfix = 73,                   /* postfix  */
  YYSYMBOL_layer_name = 74,                /* layer_name  */
  YYSYMBOL_primary = 75,                   /* primary  */
  YYSYMBOL_list_items = 76,                /* list_items  */
  YYSYMBOL_args = 77,                      /* args  */
  YYSYMBOL_arg_list = 78,                  /* arg_list  */
  YYSYMBOL_arg = 79                        /* arg  */
};
typedef enum yysymbol_kind_t yysymbol_kind_t;



/* Unqualified %code blocks.  */
#line 28 "nas.y"

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

static void nas_error(src_loc *loc, void *scanner, lex_state *state, const char *msg)
{
    (void)scanner;
    (void)state;
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

#line 221 "nas.tab.c"

#ifdef short
# undef short
#endif

/* On compilers that do not define __PTRDIFF_MAX__ etc., make sure
   <limits.h> and (if available) <stdint.h> are included
   so that the code can choose integer types of a good width.  */

#ifndef __PTRDIFF_MAX__
# include <limits.h> /* INFRINGES ON USER NAME SPACE */
# if defined __STDC_VERSION__ && 199901 <= __STDC_VERSION__
#  include <stdint.h> /* INFRINGES ON USER NAME SPACE */
#  define YY_STDINT_H
# endif
#endif

/* Narrow types that promote to a signed type and that can represent a
   signed or unsigned integer of at least N bits.  In tables they can
   save space and decrease cache pressure.  Promoting to a signed type
   helps avoid bugs in integer arithmetic.  */

#ifdef __INT_LEAST8_MAX__
typedef __INT_LEAST8_TYPE__ yytype_int8;
#elif defined YY_STDINT_H
typedef int_least8_t yytype_int8;
#else
typedef signed char yytype_int8;
#endif

#ifdef __INT_LEAST16_MAX__
typedef __INT_LEAST16_TYPE__ yytype_int16;
#elif defined YY_STDINT_H
typedef int_least16_t yytype_int16;
#else
typedef short yytype_int16;
#endif

/* Work around bug in HP-UX 11.23, which defines these macros
   incorrectly for preprocessor constants.  This workaround can likely
   be removed in 2023, as HPE has promised support for HP-UX 11.23
   (aka HP-UX 11i v2) only through the end of 2022; see Table 2 of
   <https://h20195.www2.hpe.com/V2/getpdf.aspx/4AA4-7673ENW.pdf>.  */
#ifdef __hpux
# undef UINT_LEAST8_MAX
# undef UINT_LEAST16_MAX
# define UINT_LEAST8_MAX 255
# define UINT_LEAST16_MAX 65535
#endif

#if defined __UINT_LEAST8_MAX__ && __UINT_LEAST8_MAX__ <= __INT_MAX__
typedef __UINT_LEAST8_TYPE__ yytype_uint8;
#elif (!defined __UINT_LEAST8_MAX__ && defined YY_STDINT_H \
       && UINT_LEAST8_MAX <= INT_MAX)
typedef uint_least8_t yytype_uint8;
#elif !defined __UINT_LEAST8_MAX__ && UCHAR_MAX <= INT_MAX
typedef unsigned char yytype_uint8;
#else
typedef short yytype_uint8;
#endif

#if defined __UINT_LEAST16_MAX__ && __UINT_LEAST16_MAX__ <= __INT_MAX__
typedef __UINT_LEAST16_TYPE__ yytype_uint16;
#elif (!defined __UINT_LEAST16_MAX__ && defined YY_STDINT_H \
       && UINT_LEAST16_MAX <= INT_MAX)
typedef uint_least16_t yytype_uint16;
#elif !defined __UINT_LEAST16_MAX__ && USHRT_MAX <= INT_MAX
typedef unsigned short yytype_uint16;
#else
typedef int yytype_uint16;
#endif

#ifndef YYPTRDIFF_T
# if defined __PTRDIFF_TYPE__ && defined __PTRDIFF_MAX__
#  define YYPTRDIFF_T __PTRDIFF_TYPE__
#  define YYPTRDIFF_MAXIMUM __PTRDIFF_MAX__
# elif defined PTRDIFF_MAX
#  ifndef ptrdiff_t
#   include <stddef.h> /* INFRINGES ON USER NAME SPACE */
#  endif
#  define YYPTRDIFF_T ptrdiff_t
#  define YYPTRDIFF_MAXIMUM PTRDIFF_MAX
# else
#  define YYPTRDIFF_T long
#  define YYPTRDIFF_MAXIMUM LONG_MAX
# endif
#endif

#ifndef YYSIZE_T
# ifdef __SIZE_TYPE__
#  define YYSIZE_T __SIZE_TYPE__
# elif defined size_t
#  define YYSIZE_T size_t
# elif defined __STDC_VERSION__ && 199901 <= __STDC_VERSION__
#  include <stddef.h> /* INFRINGES ON USER NAME SPACE */
#  define YYSIZE_T size_t
# else
#  define YYSIZE_T unsigned
# endif
#endif

#define YYSIZE_MAXIMUM                                  \
  YY_CAST (YYPTRDIFF_T,                                 \
           (YYPTRDIFF_MAXIMUM < YY_CAST (YYSIZE_T, -1)  \
            ? YYPTRDIFF_MAXIMUM                         \
            : YY_CAST (YYSIZE_T, -1)))

#define YYSIZEOF(X) YY_CAST (YYPTRDIFF_T, sizeof (X))


/* Stored state numbers (used for stacks). */
typedef yytype_uint8 yy_state_t;

/* State numbers in computations.  */
typedef int yy_state_fast_t;

#ifndef YY_
# if defined YYENABLE_NLS && YYENABLE_NLS
#  if ENABLE_NLS
#   include <libintl.h> /* INFRINGES ON USER NAME SPACE */
#   define YY_(Msgid) dgettext ("bison-runtime", Msgid)
#  endif
# endif
# ifndef YY_
#  define YY_(Msgid) Msgid
# endif
#endif


#ifndef YY_ATTRIBUTE_PURE
# if defined __GNUC__ && 2 < __GNUC__ + (96 <= __GNUC_MINOR__)
#  define YY_ATTRIBUTE_PURE __attribute__ ((__pure__))
# else
#  define YY_ATTRIBUTE_PURE
# endif
#endif

#ifndef YY_ATTRIBUTE_UNUSED
# if defined __GNUC__ && 2 < __GNUC__ + (7 <= __GNUC_MINOR__)
#  define YY_ATTRIBUTE_UNUSED __attribute__ ((__unused__))
# else
#  define YY_ATTRIBUTE_UNUSED
# endif
#endif

/* Suppress unused-variable warnings by "using" E.  */
#if ! defined lint || defined __GNUC__
# define YY_USE(E) ((void) (E))
#else
# define YY_USE(E) /* empty */
#endif

/* Suppress an incorrect diagnostic about yylval being uninitialized.  */
#if defined __GNUC__ && ! defined __ICC && 406 <= __GNUC__ * 100 + __GNUC_MINOR__
# if __GNUC__ * 100 + __GNUC_MINOR__ < 407
#  define YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN                           \
    _Pragma ("GCC diagnostic push")                                     \
    _Pragma ("GCC diagnostic ignored \"-Wuninitialized\"")
# else
#  define YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN                           \
    _Pragma ("GCC diagnostic push")                                     \
    _Pragma ("GCC diagnostic ignored \"-Wuninitialized\"")              \
    _Pragma ("GCC diagnostic ignored \"-Wmaybe-uninitialized\"")
# endif
# define YY_IGNORE_MAYBE_UNINITIALIZED_END      \
    _Pragma ("GCC diagnostic pop")
#else
# define YY_INITIAL_VALUE(Value) Value
#endif
#ifndef YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
# define YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
# define YY_IGNORE_MAYBE_UNINITIALIZED_END
#endif
#ifndef YY_INITIAL_VALUE
# define YY_INITIAL_VALUE(Value) /* Nothing. */
#endif

#if defined __cplusplus && defined __GNUC__ && ! defined __ICC && 6 <= __GNUC__
# define YY_IGNORE_USELESS_CAST_BEGIN                          \
    _Pragma ("GCC diagnostic push")                            \
    _Pragma ("GCC diagnostic ignored \"-Wuseless-cast\"")
# define YY_IGNORE_USELESS_CAST_END            \
    _Pragma ("GCC diagnostic pop")
#endif
#ifndef YY_IGNORE_USELESS_CAST_BEGIN
# define YY_IGNORE_USELESS_CAST_BEGIN
# define YY_IGNORE_USELESS_CAST_END
#endif


#define YY_ASSERT(E) ((void) (0 && (E)))

#if 1

/* The parser invokes alloca or malloc; define the necessary symbols.  */

# ifdef YYSTACK_USE_ALLOCA
#  if YYSTACK_USE_ALLOCA
#   ifdef __GNUC__
#    define YYSTACK_ALLOC __builtin_alloca
#   elif defined __BUILTIN_VA_ARG_INCR
#    include <alloca.h> /* INFRINGES ON USER NAME SPACE */
#   elif defined _AIX
#    define YYSTACK_ALLOC __alloca
#   elif defined _MSC_VER
#    include <malloc.h> /* INFRINGES ON USER NAME SPACE */
#    define alloca _alloca
#   else
#    define YYSTACK_ALLOC alloca
#    if ! defined _ALLOCA_H && ! defined EXIT_SUCCESS
#     include <stdlib.h> /* INFRINGES ON USER NAME SPACE */
      /* Use EXIT_SUCCESS as a witness for stdlib.h.  */
#     ifndef EXIT_SUCCESS
#      define EXIT_SUCCESS 0
#     endif
#    endif
#   endif
#  endif
# endif

# ifdef YYSTACK_ALLOC
   /* Pacify GCC's 'empty if-body' warning.  */
#  define YYSTACK_FREE(Ptr) do { /* empty */; } while (0)
#  ifndef YYSTACK_ALLOC_MAXIMUM
    /* The OS might guarantee only one guard page at the bottom of the stack,
       and a page size can be as small as 4096 bytes.  So we cannot safely
       invoke alloca (N) if N exceeds 4096.  Use a slightly smaller number
       to allow for a few compiler-allocated temporary stack slots.  */
#   define YYSTACK_ALLOC_MAXIMUM 4032 /* reasonable circa 2006 */
#  endif
# else
#  define YYSTACK_ALLOC YYMALLOC
#  define YYSTACK_FREE YYFREE
#  ifndef YYSTACK_ALLOC_MAXIMUM
#   define YYSTACK_ALLOC_MAXIMUM YYSIZE_MAXIMUM
#  endif
#  if (defined __cplusplus && ! defined EXIT_SUCCESS \
       && ! ((defined YYMALLOC || defined malloc) \
             && (defined YYFREE || defined free)))
#   include <stdlib.h> /* INFRINGES ON USER NAME SPACE */
#   ifndef EXIT_SUCCESS
#    define EXIT_SUCCESS 0
#   endif
#  endif
#  ifndef YYMALLOC
#   define YYMALLOC malloc
#   if ! defined malloc && ! defined EXIT_SUCCESS
void *malloc (YYSIZE_T); /* INFRINGES ON USER NAME SPACE */
#   endif
#  endif
#  ifndef YYFREE
#   define YYFREE free
#   if ! defined free && ! defined EXIT_SUCCESS
void free (void *); /* INFRINGES ON USER NAME SPACE */
#   endif
#  endif
# endif
#endif /* 1 */

#if (! defined yyoverflow \
     && (! defined __cplusplus \
         || (defined NAS_LTYPE_IS_TRIVIAL && NAS_LTYPE_IS_TRIVIAL \
             && defined NAS_STYPE_IS_TRIVIAL && NAS_STYPE_IS_TRIVIAL)))

/* A type that is properly aligned for any stack member.  */
union yyalloc
{
  yy_state_t yyss_alloc;
  YYSTYPE yyvs_alloc;
  YYLTYPE yyls_alloc;
};

/* The size of the maximum gap between one aligned stack and the next.  */
# define YYSTACK_GAP_MAXIMUM (YYSIZEOF (union yyalloc) - 1)

/* The size of an array large to enough to hold all stacks, each with
   N elements.  */
# define YYSTACK_BYTES(N) \
     ((N) * (YYSIZEOF (yy_state_t) + YYSIZEOF (YYSTYPE) \
             + YYSIZEOF (YYLTYPE)) \
      + 2 * YYSTACK_GAP_MAXIMUM)

# define YYCOPY_NEEDED 1

/* Relocate STACK from its old location to the new one.  The
   local variables YYSIZE and YYSTACKSIZE give the old and new number of
   elements in the stack, and YYPTR gives the new location of the
   stack.  Advance YYPTR to a properly aligned location for the next
   stack.  */
# define YYSTACK_RELOCATE(Stack_alloc, Stack)                           \
    do                                                                  \
      {                                                                 \
        YYPTRDIFF_T yynewbytes;                                         \
        YYCOPY (&yyptr->Stack_alloc, Stack, yysize);                    \
        Stack = &yyptr->Stack_alloc;                                    \
        yynewbytes = yystacksize * YYSIZEOF (*Stack) + YYSTACK_GAP_MAXIMUM; \
        yyptr += yynewbytes / YYSIZEOF (*yyptr);                        \
      }                                                                 \
    while (0)

#endif

#if defined YYCOPY_NEEDED && YYCOPY_NEEDED
/* Copy COUNT objects from SRC to DST.  The source and destination do
   not overlap.  */
# ifndef YYCOPY
#  if defined __GNUC__ && 1 < __GNUC__
#   define YYCOPY(Dst, Src, Count) \
      __builtin_memcpy (Dst, Src, YY_CAST (YYSIZE_T, (Count)) * sizeof (*(Src)))
#  else
#   define YYCOPY(Dst, Src, Count)              \
      do                                        \
        {                                       \
          YYPTRDIFF_T yyi;                      \
          for (yyi = 0; yyi < (Count); yyi++)   \
            (Dst)[yyi] = (Src)[yyi];            \
        }                                       \
      while (0)
#  endif
# endif
#endif /* !YYCOPY_NEEDED */

/* YYFINAL -- State number of the termination state.  */
#define YYFINAL  3
/* YYLAST -- Last index in YYTABLE.  */
#define YYLAST   241

/* YYNTOKENS -- Number of terminals.  */
#define YYNTOKENS  48
/* YYNNTS -- Number of nonterminals.  */
#define YYNNTS  32
/* YYNRULES -- Number of rules.  */
#define YYNRULES  98
/* YYNSTATES -- Number of states.  */
#define YYNSTATES  173

/* YYMAXUTOK -- Last valid token kind.  */
#define YYMAXUTOK   283


/* YYTRANSLATE(TOKEN-NUM) -- Symbol number corresponding to TOKEN-NUM
   as returned by yylex, with out-of-bounds checking.  */
#define YYTRANSLATE(YYX)                                \
  (0 <= (YYX) && (YYX) <= YYMAXUTOK                     \
   ? YY_CAST (yysymbol_kind_t, yytranslate[YYX])        \
   : YYSYMBOL_YYUNDEF)

/* YYTRANSLATE[TOKEN-NUM] -- Symbol number corresponding to TOKEN-NUM
   as returned by yylex.  */
static const yytype_int8 yytranslate[] =
{
       0,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,    43,     2,     2,
      30,    31,    41,    39,    32,    40,    44,    42,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,    47,    29,
      37,    33,    38,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,    45,     2,    46,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,    34,    36,    35,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     1,     2,     3,     4,
       5,     6,     7,     8,     9,    10,    11,    12,    13,    14,
      15,    16,    17,    18,    19,    20,    21,    22,    23,    24,
      25,    26,    27,    28
};

#if NAS_DEBUG
/* YYRLINE[YYN] -- Source line where rule number YYN was defined.  */
static const yytype_int16 yyrline[] =
{
       0,    94,    94,    98,    99,   100,   101,   105,   106,   107,
     108,   112,   113,   114,   118,   119,   123,   124,   128,   132,
     133,   137,   138,   139,   140,   144,   145,   146,   147,   148,
     149,   150,   151,   152,   156,   157,   158,   162,   163,   167,
     168,   172,   176,   177,   181,   185,   186,   190,   191,   195,
     196,   200,   201,   205,   206,   207,   208,   209,   210,   211,
     215,   216,   217,   221,   222,   223,   224,   225,   229,   230,
     234,   235,   236,   237,   238,   242,   243,   247,   248,   249,
     250,   251,   252,   253,   254,   255,   256,   257,   261,   262,
     263,   267,   268,   269,   273,   274,   278,   279,   280
};
#endif

/** Accessing symbol of state STATE.  */
#define YY_ACCESSING_SYMBOL(State) YY_CAST (yysymbol_kind_t, yystos[State])

#if 1
/* The user-facing name of the symbol whose (internal) number is
   YYSYMBOL.  No bounds checking.  */
static const char *yysymbol_name (yysymbol_kind_t yysymbol) YY_ATTRIBUTE_UNUSED;

static const char *
yysymbol_name (yysymbol_kind_t yysymbol)
{
  static const char *const yy_sname[] =
  {
  "end of file", "error", "invalid token", "identifier", "integer",
  "float", "string", "import", "block", "fn", "network", "return", "if",
  "then", "else", "repeat", "in", "seq", "as", "and", "or", "not", "true",
  "false", "==", "!=", "<=", ">=", "//", "';'", "'('", "')'", "','", "'='",
  "'{'", "'}'", "'|'", "'<'", "'>'", "'+'", "'-'", "'*'", "'/'", "'%'",
  "'.'", "'['", "']'", "':'", "$accept", "file", "decls", "decl", "params",
  "param_list", "param", "body", "stmts", "stmt_list", "stmt", "if_stmt",
  "targets", "expr_list", "expr", "pipe", "stage", "cond", "or_expr",
  "and_expr", "not_expr", "cmp", "sum", "term", "unary", "postfix",
  "layer_name", "primary", "list_items", "args", "arg_list", "arg", YY_NULLPTR
  };
  return yy_sname[yysymbol];
}
#endif

#define YYPACT_NINF (-127)

#define yypact_value_is_default(Yyn) \
  ((Yyn) == YYPACT_NINF)

#define YYTABLE_NINF (-38)

#define yytable_value_is_error(Yyn) \
  0

/* YYPACT[STATE-NUM] -- Index in YYTABLE of the portion describing
   STATE-NUM.  */
static const yytype_int16 yypact[] =
{
    -127,    11,   127,  -127,   -16,    16,    25,    28,    31,  -127,
    -127,  -127,     8,    36,    40,    45,  -127,    39,    39,    39,
      26,    42,    53,  -127,    56,    61,    41,    69,    39,    69,
      69,  -127,  -127,  -127,  -127,    41,  -127,    18,   166,  -127,
    -127,    41,   175,    41,  -127,    75,  -127,    93,   110,  -127,
    -127,   197,    37,  -127,     5,  -127,  -127,  -127,  -127,  -127,
    -127,   119,    52,  -127,  -127,   102,  -127,   113,  -127,    96,
     196,   166,   166,   175,   175,   175,   175,   175,   175,   175,
     175,   175,   175,   175,   175,    52,    85,   143,    41,   117,
       3,    41,  -127,  -127,    69,  -127,    41,  -127,  -127,     5,
     110,  -127,    29,    29,    29,    29,    29,    29,    37,    37,
    -127,  -127,  -127,  -127,  -127,   -17,  -127,   122,   123,  -127,
    -127,   108,  -127,   129,    51,    41,    41,    17,   145,  -127,
     130,  -127,    66,  -127,   146,  -127,  -127,    41,    41,  -127,
      85,  -127,  -127,   131,    27,    41,  -127,  -127,   148,    69,
    -127,   162,    41,    41,  -127,  -127,  -127,    41,    41,   159,
      69,    41,  -127,  -127,  -127,  -127,    69,    17,    69,  -127,
    -127,  -127,  -127
};

/* YYDEFACT[STATE-NUM] -- Default reduction number in state STATE-NUM.
   Performed when YYTABLE does not specify something else to do.  Zero
   means the default is an error.  */
static const yytype_int8 yydefact[] =
{
       3,     0,     0,     1,     0,     0,     0,     0,     0,     5,
       4,     6,     0,     0,     0,     0,     7,    11,    11,    11,
      16,     0,    12,    14,     0,     0,     0,     0,    13,     0,
       0,    82,    77,    78,    79,     0,    83,     0,     0,    80,
      81,     0,     0,    88,    17,    41,    42,    45,    47,    49,
      51,    53,    60,    63,    68,    70,    21,     8,    15,     9,
      10,     0,     0,    86,    52,     0,    69,    89,    39,     0,
       0,     0,     0,     0,     0,     0,     0,     0,     0,     0,
       0,     0,     0,     0,     0,     0,    91,     0,     0,     0,
       0,     0,    75,    76,     0,    84,    90,    85,    43,    44,
      48,    50,    54,    55,    57,    59,    56,    58,    61,    62,
      66,    64,    65,    67,    74,    82,    96,     0,    92,    94,
      72,     0,    18,     0,    82,     0,     0,     0,     0,    22,
      20,    27,     0,    30,     0,    87,    40,     0,     0,    71,
      93,    73,    24,    26,     0,     0,    31,    32,    82,     0,
      23,     0,     0,     0,    97,    98,    95,     0,     0,    34,
       0,     0,    28,    38,    25,    46,     0,     0,     0,    33,
      35,    36,    29
};

/* YYPGOTO[NTERM-NUM].  */
static const yytype_int16 yypgoto[] =
{
    -127,  -127,  -127,  -127,    86,  -127,   149,   -27,  -127,  -127,
    -127,  -126,  -127,    49,   -14,  -127,  -127,    23,  -127,   115,
     -33,  -127,    43,    30,    12,   114,   109,  -127,  -127,  -127,
    -127,    55
};

/* YYDEFGOTO[NTERM-NUM].  */
static const yytype_uint8 yydefgoto[] =
{
       0,     1,     2,    10,    21,    22,    23,   159,    89,    90,
     130,   131,   132,    67,    68,    45,    98,    46,    47,    48,
      49,    50,    51,    52,    53,    54,    94,    55,    69,   117,
     118,   119
};

/* YYTABLE[YYPACT[STATE-NUM]] -- What to do in state STATE-NUM.  If
   positive, shift that token.  If negative, reduce the rule whose
   number is the opposite.  If YYTABLE_NINF, syntax error.  */
static const yytype_int16 yytable[] =
{
      57,   147,    59,    60,   123,    64,   124,    32,    33,    34,
      63,     3,    44,    11,   125,   126,   137,   127,   128,    36,
      37,    61,    12,    85,    38,    39,    40,    65,    13,   145,
     138,    14,   129,    41,    15,    86,    62,    16,   -19,   101,
      91,   171,    20,    42,    31,    32,    33,    34,    43,    87,
      88,    56,    56,    35,    66,    92,    93,    36,    37,    26,
     158,    56,    38,    39,    40,    81,    17,   135,    79,    80,
      18,    41,   116,    27,   121,    19,   133,   134,    82,    83,
      84,    42,   136,   -37,   -37,    28,    43,    29,   115,    32,
      33,    34,    30,   110,   111,   112,   113,    35,   151,   152,
     146,    36,    37,    56,    24,    25,    38,    39,    40,   108,
     109,    70,   144,    71,   149,    41,   102,   103,   104,   105,
     106,   107,   162,   154,   155,    42,   116,    -2,     4,    72,
      43,   160,    91,    95,     5,     6,     7,     8,   164,   169,
     170,   172,    97,   136,   166,    96,   120,   168,   148,    32,
      33,    34,   122,   139,   141,   140,     9,    35,   142,   150,
     153,    36,    37,   157,   161,   163,    38,    39,    40,    31,
      32,    33,    34,   167,   143,    41,   165,    58,    31,    32,
      33,    34,    36,    37,    99,    42,   100,    38,    39,    40,
      43,    36,    37,     0,   114,   156,    41,    39,    40,    31,
      32,    33,    34,     0,     0,    41,    42,     0,     0,     0,
       0,    43,    36,    37,     0,    42,     0,     0,    39,    40,
      43,    73,    74,    75,    76,     0,    41,     0,     0,     0,
       0,     0,     0,     0,    77,    78,    79,    80,     0,     0,
       0,    43
};

static const yytype_int16 yycheck[] =
{
      27,   127,    29,    30,     1,    38,     3,     4,     5,     6,
      37,     0,    26,    29,    11,    12,    33,    14,    15,    16,
      17,    35,     6,    18,    21,    22,    23,    41,     3,    12,
      47,     3,    29,    30,     3,    30,    18,    29,    35,    72,
      13,   167,     3,    40,     3,     4,     5,     6,    45,    44,
      45,    34,    34,    12,    42,     3,     4,    16,    17,    33,
      33,    34,    21,    22,    23,    28,    30,    94,    39,    40,
      30,    30,    86,    31,    88,    30,    90,    91,    41,    42,
      43,    40,    96,    32,    33,    32,    45,    31,     3,     4,
       5,     6,    31,    81,    82,    83,    84,    12,    32,    33,
     127,    16,    17,    34,    18,    19,    21,    22,    23,    79,
      80,    36,   126,    20,   128,    30,    73,    74,    75,    76,
      77,    78,   149,   137,   138,    40,   140,     0,     1,    19,
      45,   145,    13,    31,     7,     8,     9,    10,   152,   166,
     167,   168,    46,   157,   158,    32,     3,   161,     3,     4,
       5,     6,    35,    31,    46,    32,    29,    12,    29,    29,
      14,    16,    17,    32,    16,     3,    21,    22,    23,     3,
       4,     5,     6,    14,   125,    30,   153,    28,     3,     4,
       5,     6,    16,    17,    70,    40,    71,    21,    22,    23,
      45,    16,    17,    -1,    85,   140,    30,    22,    23,     3,
       4,     5,     6,    -1,    -1,    30,    40,    -1,    -1,    -1,
      -1,    45,    16,    17,    -1,    40,    -1,    -1,    22,    23,
      45,    24,    25,    26,    27,    -1,    30,    -1,    -1,    -1,
      -1,    -1,    -1,    -1,    37,    38,    39,    40,    -1,    -1,
      -1,    45
};

/* YYSTOS[STATE-NUM] -- The symbol kind of the accessing symbol of
   state STATE-NUM.  */
static const yytype_int8 yystos[] =
{
       0,    49,    50,     0,     1,     7,     8,     9,    10,    29,
      51,    29,     6,     3,     3,     3,    29,    30,    30,    30,
       3,    52,    53,    54,    52,    52,    33,    31,    32,    31,
      31,     3,     4,     5,     6,    12,    16,    17,    21,    22,
      23,    30,    40,    45,    62,    63,    65,    66,    67,    68,
      69,    70,    71,    72,    73,    75,    34,    55,    54,    55,
      55,    62,    18,    55,    68,    62,    72,    61,    62,    76,
      36,    20,    19,    24,    25,    26,    27,    37,    38,    39,
      40,    28,    41,    42,    43,    18,    30,    44,    45,    56,
      57,    13,     3,     4,    74,    31,    32,    46,    64,    73,
      67,    68,    70,    70,    70,    70,    70,    70,    71,    71,
      72,    72,    72,    72,    74,     3,    62,    77,    78,    79,
       3,    62,    35,     1,     3,    11,    12,    14,    15,    29,
      58,    59,    60,    62,    62,    55,    62,    33,    47,    31,
      32,    46,    29,    61,    62,    12,    55,    59,     3,    62,
      29,    32,    33,    14,    62,    62,    79,    32,    33,    55,
      62,    16,    55,     3,    62,    65,    62,    14,    62,    55,
      55,    59,    55
};

/* YYR1[RULE-NUM] -- Symbol kind of the left-hand side of rule RULE-NUM.  */
static const yytype_int8 yyr1[] =
{
       0,    48,    49,    50,    50,    50,    50,    51,    51,    51,
      51,    52,    52,    52,    53,    53,    54,    54,    55,    56,
      56,    57,    57,    57,    57,    58,    58,    58,    58,    58,
      58,    58,    58,    58,    59,    59,    59,    60,    60,    61,
      61,    62,    63,    63,    64,    65,    65,    66,    66,    67,
      67,    68,    68,    69,    69,    69,    69,    69,    69,    69,
      70,    70,    70,    71,    71,    71,    71,    71,    72,    72,
      73,    73,    73,    73,    73,    74,    74,    75,    75,    75,
      75,    75,    75,    75,    75,    75,    75,    75,    76,    76,
      76,    77,    77,    77,    78,    78,    79,    79,    79
};

/* YYR2[RULE-NUM] -- Number of symbols on the right-hand side of rule RULE-NUM.  */
static const yytype_int8 yyr2[] =
{
       0,     2,     1,     0,     2,     2,     3,     3,     6,     6,
       6,     0,     1,     2,     1,     3,     1,     3,     3,     1,
       2,     0,     2,     3,     3,     3,     2,     1,     3,     5,
       1,     2,     2,     5,     3,     5,     5,     1,     3,     1,
       3,     1,     1,     3,     1,     1,     6,     1,     3,     1,
       3,     1,     2,     1,     3,     3,     3,     3,     3,     3,
       1,     3,     3,     1,     3,     3,     3,     3,     1,     2,
       1,     4,     3,     4,     3,     1,     1,     1,     1,     1,
       1,     1,     1,     1,     3,     3,     2,     4,     0,     1,
       2,     0,     1,     2,     1,     3,     1,     3,     3
};


enum { YYENOMEM = -2 };

#define yyerrok         (yyerrstatus = 0)
#define yyclearin       (yychar = NAS_EMPTY)

#define YYACCEPT        goto yyacceptlab
#define YYABORT         goto yyabortlab
#define YYERROR         goto yyerrorlab
#define YYNOMEM         goto yyexhaustedlab


#define YYRECOVERING()  (!!yyerrstatus)

#define YYBACKUP(Token, Value)                                    \
  do                                                              \
    if (yychar == NAS_EMPTY)                                        \
      {                                                           \
        yychar = (Token);                                         \
        yylval = (Value);                                         \
        YYPOPSTACK (yylen);                                       \
        yystate = *yyssp;                                         \
        goto yybackup;                                            \
      }                                                           \
    else                                                          \
      {                                                           \
        yyerror (&yylloc, scanner, state, YY_("syntax error: cannot back up")); \
        YYERROR;                                                  \
      }                                                           \
  while (0)

/* Backward compatibility with an undocumented macro.
   Use NAS_error or NAS_UNDEF. */
#define YYERRCODE NAS_UNDEF

/* YYLLOC_DEFAULT -- Set CURRENT to span from RHS[1] to RHS[N].
   If N is 0, then set CURRENT to the empty location which ends
   the previous symbol: RHS[0] (always defined).  */

#ifndef YYLLOC_DEFAULT
# define YYLLOC_DEFAULT(Current, Rhs, N)                                \
    do                                                                  \
      if (N)                                                            \
        {                                                               \
          (Current).first_line   = YYRHSLOC (Rhs, 1).first_line;        \
          (Current).first_column = YYRHSLOC (Rhs, 1).first_column;      \
          (Current).last_line    = YYRHSLOC (Rhs, N).last_line;         \
          (Current).last_column  = YYRHSLOC (Rhs, N).last_column;       \
        }                                                               \
      else                                                              \
        {                                                               \
          (Current).first_line   = (Current).last_line   =              \
            YYRHSLOC (Rhs, 0).last_line;                                \
          (Current).first_column = (Current).last_column =              \
            YYRHSLOC (Rhs, 0).last_column;                              \
        }                                                               \
    while (0)
#endif

#define YYRHSLOC(Rhs, K) ((Rhs)[K])


/* Enable debugging if requested.  */
#if NAS_DEBUG

# ifndef YYFPRINTF
#  include <stdio.h> /* INFRINGES ON USER NAME SPACE */
#  define YYFPRINTF fprintf
# endif

# define YYDPRINTF(Args)                        \
do {                                            \
  if (yydebug)                                  \
    YYFPRINTF Args;                             \
} while (0)


/* YYLOCATION_PRINT -- Print the location on the stream.
   This macro was not mandated originally: define only if we know
   we won't break user code: when these are the locations we know.  */

# ifndef YYLOCATION_PRINT

#  if defined YY_LOCATION_PRINT

   /* Temporary convenience wrapper in case some people defined the
      undocumented and private YY_LOCATION_PRINT macros.  */
#   define YYLOCATION_PRINT(File, Loc)  YY_LOCATION_PRINT(File, *(Loc))

#  elif defined NAS_LTYPE_IS_TRIVIAL && NAS_LTYPE_IS_TRIVIAL

/* Print *YYLOCP on YYO.  Private, do not rely on its existence. */

YY_ATTRIBUTE_UNUSED
static int
yy_location_print_ (FILE *yyo, YYLTYPE const * const yylocp)
{
  int res = 0;
  int end_col = 0 != yylocp->last_column ? yylocp->last_column - 1 : 0;
  if (0 <= yylocp->first_line)
    {
      res += YYFPRINTF (yyo, "%d", yylocp->first_line);
      if (0 <= yylocp->first_column)
        res += YYFPRINTF (yyo, ".%d", yylocp->first_column);
    }
  if (0 <= yylocp->last_line)
    {
      if (yylocp->first_line < yylocp->last_line)
        {
          res += YYFPRINTF (yyo, "-%d", yylocp->last_line);
          if (0 <= end_col)
            res += YYFPRINTF (yyo, ".%d", end_col);
        }
      else if (0 <= end_col && yylocp->first_column < end_col)
        res += YYFPRINTF (yyo, "-%d", end_col);
    }
  return res;
}

#   define YYLOCATION_PRINT  yy_location_print_

    /* Temporary convenience wrapper in case some people defined the
       undocumented and private YY_LOCATION_PRINT macros.  */
#   define YY_LOCATION_PRINT(File, Loc)  YYLOCATION_PRINT(File, &(Loc))

#  else

#   define YYLOCATION_PRINT(File, Loc) ((void) 0)
    /* Temporary convenience wrapper in case some people defined the
       undocumented and private YY_LOCATION_PRINT macros.  */
#   define YY_LOCATION_PRINT  YYLOCATION_PRINT

#  endif
# endif /* !defined YYLOCATION_PRINT */


# define YY_SYMBOL_PRINT(Title, Kind, Value, Location)                    \
do {                                                                      \
  if (yydebug)                                                            \
    {                                                                     \
      YYFPRINTF (stderr, "%s ", Title);                                   \
      yy_symbol_print (stderr,                                            \
                  Kind, Value, Location, scanner, state); \
      YYFPRINTF (stderr, "\n");                                           \
    }                                                                     \
} while (0)


/*-----------------------------------.
| Print this symbol's value on YYO.  |
`-----------------------------------*/

static void
yy_symbol_value_print (FILE *yyo,
                       yysymbol_kind_t yykind, YYSTYPE const * const yyvaluep, YYLTYPE const * const yylocationp, void *scanner, lex_state *state)
{
  FILE *yyoutput = yyo;
  YY_USE (yyoutput);
  YY_USE (yylocationp);
  YY_USE (scanner);
  YY_USE (state);
  if (!yyvaluep)
    return;
  YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
  YY_USE (yykind);
  YY_IGNORE_MAYBE_UNINITIALIZED_END
}


/*---------------------------.
| Print this symbol on YYO.  |
`---------------------------*/

static void
yy_symbol_print (FILE *yyo,
                 yysymbol_kind_t yykind, YYSTYPE const * const yyvaluep, YYLTYPE const * const yylocationp, void *scanner, lex_state *state)
{
  YYFPRINTF (yyo, "%s %s (",
             yykind < YYNTOKENS ? "token" : "nterm", yysymbol_name (yykind));

  YYLOCATION_PRINT (yyo, yylocationp);
  YYFPRINTF (yyo, ": ");
  yy_symbol_value_print (yyo, yykind, yyvaluep, yylocationp, scanner, state);
  YYFPRINTF (yyo, ")");
}

/*------------------------------------------------------------------.
| yy_stack_print -- Print the state stack from its BOTTOM up to its |
| TOP (included).                                                   |
`------------------------------------------------------------------*/

static void
yy_stack_print (yy_state_t *yybottom, yy_state_t *yytop)
{
  YYFPRINTF (stderr, "Stack now");
  for (; yybottom <= yytop; yybottom++)
    {
      int yybot = *yybottom;
      YYFPRINTF (stderr, " %d", yybot);
    }
  YYFPRINTF (stderr, "\n");
}

# define YY_STACK_PRINT(Bottom, Top)                            \
do {                                                            \
  if (yydebug)                                                  \
    yy_stack_print ((Bottom), (Top));                           \
} while (0)


/*------------------------------------------------.
| Report that the YYRULE is going to be reduced.  |
`------------------------------------------------*/

static void
yy_reduce_print (yy_state_t *yyssp, YYSTYPE *yyvsp, YYLTYPE *yylsp,
                 int yyrule, void *scanner, lex_state *state)
{
  int yylno = yyrline[yyrule];
  int yynrhs = yyr2[yyrule];
  int yyi;
  YYFPRINTF (stderr, "Reducing stack by rule %d (line %d):\n",
             yyrule - 1, yylno);
  /* The symbols being reduced.  */
  for (yyi = 0; yyi < yynrhs; yyi++)
    {
      YYFPRINTF (stderr, "   $%d = ", yyi + 1);
      yy_symbol_print (stderr,
                       YY_ACCESSING_SYMBOL (+yyssp[yyi + 1 - yynrhs]),
                       &yyvsp[(yyi + 1) - (yynrhs)],
                       &(yylsp[(yyi + 1) - (yynrhs)]), scanner, state);
      YYFPRINTF (stderr, "\n");
    }
}

# define YY_REDUCE_PRINT(Rule)          \
do {                                    \
  if (yydebug)                          \
    yy_reduce_print (yyssp, yyvsp, yylsp, Rule, scanner, state); \
} while (0)

/* Nonzero means print parse trace.  It is left uninitialized so that
   multiple parsers can coexist.  */
int yydebug;
#else /* !NAS_DEBUG */
# define YYDPRINTF(Args) ((void) 0)
# define YY_SYMBOL_PRINT(Title, Kind, Value, Location)
# define YY_STACK_PRINT(Bottom, Top)
# define YY_REDUCE_PRINT(Rule)
#endif /* !NAS_DEBUG */


/* YYINITDEPTH -- initial size of the parser's stacks.  */
#ifndef YYINITDEPTH
# define YYINITDEPTH 200
#endif

/* YYMAXDEPTH -- maximum size the stacks can grow to (effective only
   if the built-in stack extension method is used).

   Do not make this value too large; the results are undefined if
   YYSTACK_ALLOC_MAXIMUM < YYSTACK_BYTES (YYMAXDEPTH)
   evaluated with infinite-precision integer arithmetic.  */

#ifndef YYMAXDEPTH
# define YYMAXDEPTH 10000
#endif


/* Context of a parse error.  */
typedef struct
{
  yy_state_t *yyssp;
  yysymbol_kind_t yytoken;
  YYLTYPE *yylloc;
} yypcontext_t;

/* Put in YYARG at most YYARGN of the expected tokens given the
   current YYCTX, and return the number of tokens stored in YYARG.  If
   YYARG is null, return the number of expected tokens (guaranteed to
   be less than YYNTOKENS).  Return YYENOMEM on memory exhaustion.
   Return 0 if there are more than YYARGN expected tokens, yet fill
   YYARG up to YYARGN. */
static int
yypcontext_expected_tokens (const yypcontext_t *yyctx,
                            yysymbol_kind_t yyarg[], int yyargn)
{
  /* Actual size of YYARG. */
  int yycount = 0;
  int yyn = yypact[+*yyctx->yyssp];
  if (!yypact_value_is_default (yyn))
    {
      /* Start YYX at -YYN if negative to avoid negative indexes in
         YYCHECK.  In other words, skip the first -YYN actions for
         this state because they are default actions.  */
      int yyxbegin = yyn < 0 ? -yyn : 0;
      /* Stay within bounds of both yycheck and yytname.  */
      int yychecklim = YYLAST - yyn + 1;
      int yyxend = yychecklim < YYNTOKENS ? yychecklim : YYNTOKENS;
      int yyx;
      for (yyx = yyxbegin; yyx < yyxend; ++yyx)
        if (yycheck[yyx + yyn] == yyx && yyx != YYSYMBOL_YYerror
            && !yytable_value_is_error (yytable[yyx + yyn]))
          {
            if (!yyarg)
              ++yycount;
            else if (yycount == yyargn)
              return 0;
            else
              yyarg[yycount++] = YY_CAST (yysymbol_kind_t, yyx);
          }
    }
  if (yyarg && yycount == 0 && 0 < yyargn)
    yyarg[0] = YYSYMBOL_YYEMPTY;
  return yycount;
}




/* The kind of the lookahead of this context.  */
static yysymbol_kind_t
yypcontext_token (const yypcontext_t *yyctx) YY_ATTRIBUTE_UNUSED;

static yysymbol_kind_t
yypcontext_token (const yypcontext_t *yyctx)
{
  return yyctx->yytoken;
}

/* The location of the lookahead of this context.  */
static YYLTYPE *
yypcontext_location (const yypcontext_t *yyctx) YY_ATTRIBUTE_UNUSED;

static YYLTYPE *
yypcontext_location (const yypcontext_t *yyctx)
{
  return yyctx->yylloc;
}

/* User defined function to report a syntax error.  */
static int
yyreport_syntax_error (const yypcontext_t *yyctx, void *scanner, lex_state *state);

/*-----------------------------------------------.
| Release the memory associated to this symbol.  |
`-----------------------------------------------*/

static void
yydestruct (const char *yymsg,
            yysymbol_kind_t yykind, YYSTYPE *yyvaluep, YYLTYPE *yylocationp, void *scanner, lex_state *state)
{
  YY_USE (yyvaluep);
  YY_USE (yylocationp);
  YY_USE (scanner);
  YY_USE (state);
  if (!yymsg)
    yymsg = "Deleting";
  YY_SYMBOL_PRINT (yymsg, yykind, yyvaluep, yylocationp);

  YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
  YY_USE (yykind);
  YY_IGNORE_MAYBE_UNINITIALIZED_END
}






/*----------.
| yyparse.  |
`----------*/

int
yyparse (void *scanner, lex_state *state)
{
/* Lookahead token kind.  */
int yychar;


/* The semantic value of the lookahead symbol.  */
/* Default value used for initialization, for pacifying older GCCs
   or non-GCC compilers.  */
YY_INITIAL_VALUE (static YYSTYPE yyval_default;)
YYSTYPE yylval YY_INITIAL_VALUE (= yyval_default);

/* Location data for the lookahead symbol.  */
static YYLTYPE yyloc_default
# if defined NAS_LTYPE_IS_TRIVIAL && NAS_LTYPE_IS_TRIVIAL
  = { 1, 1, 1, 1 }
# endif
;
YYLTYPE yylloc = yyloc_default;

    /* Number of syntax errors so far.  */
    int yynerrs = 0;

    yy_state_fast_t yystate = 0;
    /* Number of tokens to shift before error messages enabled.  */
    int yyerrstatus = 0;

    /* Refer to the stacks through separate pointers, to allow yyoverflow
       to reallocate them elsewhere.  */

    /* Their size.  */
    YYPTRDIFF_T yystacksize = YYINITDEPTH;

    /* The state stack: array, bottom, top.  */
    yy_state_t yyssa[YYINITDEPTH];
    yy_state_t *yyss = yyssa;
    yy_state_t *yyssp = yyss;

    /* The semantic value stack: array, bottom, top.  */
    YYSTYPE yyvsa[YYINITDEPTH];
    YYSTYPE *yyvs = yyvsa;
    YYSTYPE *yyvsp = yyvs;

    /* The location stack: array, bottom, top.  */
    YYLTYPE yylsa[YYINITDEPTH];
    YYLTYPE *yyls = yylsa;
    YYLTYPE *yylsp = yyls;

  int yyn;
  /* The return value of yyparse.  */
  int yyresult;
  /* Lookahead symbol kind.  */
  yysymbol_kind_t yytoken = YYSYMBOL_YYEMPTY;
  /* The variables used to return semantic value and location from the
     action routines.  */
  YYSTYPE yyval;
  YYLTYPE yyloc;

  /* The locations where the error started and ended.  */
  YYLTYPE yyerror_range[3];



#define YYPOPSTACK(N)   (yyvsp -= (N), yyssp -= (N), yylsp -= (N))

  /* The number of symbols on the RHS of the reduced rule.
     Keep to zero when no symbol should be popped.  */
  int yylen = 0;

  YYDPRINTF ((stderr, "Starting parse\n"));

  yychar = NAS_EMPTY; /* Cause a token to be read.  */

  yylsp[0] = yylloc;
  goto yysetstate;


/*------------------------------------------------------------.
| yynewstate -- push a new state, which is found in yystate.  |
`------------------------------------------------------------*/
yynewstate:
  /* In all cases, when you get here, the value and location stacks
     have just been pushed.  So pushing a state here evens the stacks.  */
  yyssp++;


/*--------------------------------------------------------------------.
| yysetstate -- set current state (the top of the stack) to yystate.  |
`--------------------------------------------------------------------*/
yysetstate:
  YYDPRINTF ((stderr, "Entering state %d\n", yystate));
  YY_ASSERT (0 <= yystate && yystate < YYNSTATES);
  YY_IGNORE_USELESS_CAST_BEGIN
  *yyssp = YY_CAST (yy_state_t, yystate);
  YY_IGNORE_USELESS_CAST_END
  YY_STACK_PRINT (yyss, yyssp);

  if (yyss + yystacksize - 1 <= yyssp)
#if !defined yyoverflow && !defined YYSTACK_RELOCATE
    YYNOMEM;
#else
    {
      /* Get the current used size of the three stacks, in elements.  */
      YYPTRDIFF_T yysize = yyssp - yyss + 1;

# if defined yyoverflow
      {
        /* Give user a chance to reallocate the stack.  Use copies of
           these so that the &'s don't force the real ones into
           memory.  */
        yy_state_t *yyss1 = yyss;
        YYSTYPE *yyvs1 = yyvs;
        YYLTYPE *yyls1 = yyls;

        /* Each stack pointer address is followed by the size of the
           data in use in that stack, in bytes.  This used to be a
           conditional around just the two extra args, but that might
           be undefined if yyoverflow is a macro.  */
        yyoverflow (YY_("memory exhausted"),
                    &yyss1, yysize * YYSIZEOF (*yyssp),
                    &yyvs1, yysize * YYSIZEOF (*yyvsp),
                    &yyls1, yysize * YYSIZEOF (*yylsp),
                    &yystacksize);
        yyss = yyss1;
        yyvs = yyvs1;
        yyls = yyls1;
      }
# else /* defined YYSTACK_RELOCATE */
      /* Extend the stack our own way.  */
      if (YYMAXDEPTH <= yystacksize)
        YYNOMEM;
      yystacksize *= 2;
      if (YYMAXDEPTH < yystacksize)
        yystacksize = YYMAXDEPTH;

      {
        yy_state_t *yyss1 = yyss;
        union yyalloc *yyptr =
          YY_CAST (union yyalloc *,
                   YYSTACK_ALLOC (YY_CAST (YYSIZE_T, YYSTACK_BYTES (yystacksize))));
        if (! yyptr)
          YYNOMEM;
        YYSTACK_RELOCATE (yyss_alloc, yyss);
        YYSTACK_RELOCATE (yyvs_alloc, yyvs);
        YYSTACK_RELOCATE (yyls_alloc, yyls);
#  undef YYSTACK_RELOCATE
        if (yyss1 != yyssa)
          YYSTACK_FREE (yyss1);
      }
# endif

      yyssp = yyss + yysize - 1;
      yyvsp = yyvs + yysize - 1;
      yylsp = yyls + yysize - 1;

      YY_IGNORE_USELESS_CAST_BEGIN
      YYDPRINTF ((stderr, "Stack size increased to %ld\n",
                  YY_CAST (long, yystacksize)));
      YY_IGNORE_USELESS_CAST_END

      if (yyss + yystacksize - 1 <= yyssp)
        YYABORT;
    }
#endif /* !defined yyoverflow && !defined YYSTACK_RELOCATE */


  if (yystate == YYFINAL)
    YYACCEPT;

  goto yybackup;


/*-----------.
| yybackup.  |
`-----------*/
yybackup:
  /* Do appropriate processing given the current state.  Read a
     lookahead token if we need one and don't already have one.  */

  /* First try to decide what to do without reference to lookahead token.  */
  yyn = yypact[yystate];
  if (yypact_value_is_default (yyn))
    goto yydefault;

  /* Not known => get a lookahead token if don't already have one.  */

  /* YYCHAR is either empty, or end-of-input, or a valid lookahead.  */
  if (yychar == NAS_EMPTY)
    {
      YYDPRINTF ((stderr, "Reading a token\n"));
      yychar = yylex (&yylval, &yylloc, scanner);
    }

  if (yychar <= END)
    {
      yychar = END;
      yytoken = YYSYMBOL_YYEOF;
      YYDPRINTF ((stderr, "Now at end of input.\n"));
    }
  else if (yychar == NAS_error)
    {
      /* The scanner already issued an error message, process directly
         to error recovery.  But do not keep the error token as
         lookahead, it is too special and may lead us to an endless
         loop in error recovery. */
      yychar = NAS_UNDEF;
      yytoken = YYSYMBOL_YYerror;
      yyerror_range[1] = yylloc;
      goto yyerrlab1;
    }
  else
    {
      yytoken = YYTRANSLATE (yychar);
      YY_SYMBOL_PRINT ("Next token is", yytoken, &yylval, &yylloc);
    }

  /* If the proper action on seeing token YYTOKEN is to reduce or to
     detect an error, take that action.  */
  yyn += yytoken;
  if (yyn < 0 || YYLAST < yyn || yycheck[yyn] != yytoken)
    goto yydefault;
  yyn = yytable[yyn];
  if (yyn <= 0)
    {
      if (yytable_value_is_error (yyn))
        goto yyerrlab;
      yyn = -yyn;
      goto yyreduce;
    }

  /* Count tokens shifted since error; after three, turn off error
     status.  */
  if (yyerrstatus)
    yyerrstatus--;

  /* Shift the lookahead token.  */
  YY_SYMBOL_PRINT ("Shifting", yytoken, &yylval, &yylloc);
  yystate = yyn;
  YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
  *++yyvsp = yylval;
  YY_IGNORE_MAYBE_UNINITIALIZED_END
  *++yylsp = yylloc;

  /* Discard the shifted token.  */
  yychar = NAS_EMPTY;
  goto yynewstate;


/*-----------------------------------------------------------.
| yydefault -- do the default action for the current state.  |
`-----------------------------------------------------------*/
yydefault:
  yyn = yydefact[yystate];
  if (yyn == 0)
    goto yyerrlab;
  goto yyreduce;


/*-----------------------------.
| yyreduce -- do a reduction.  |
`-----------------------------*/
yyreduce:
  /* yyn is the number of a rule to reduce with.  */
  yylen = yyr2[yyn];

  /* If YYLEN is nonzero, implement the default value of the action:
     '$$ = $1'.

     Otherwise, the following line sets YYVAL to garbage.
     This behavior is undocumented and Bison
     users should not rely upon it.  Assigning to YYVAL
     unconditionally makes the parser a bit smaller, and it avoids a
     GCC warning that YYVAL may be used uninitialized.  */
  yyval = yyvsp[1-yylen];

  /* Default location. */
  YYLLOC_DEFAULT (yyloc, (yylsp - yylen), yylen);
  yyerror_range[1] = yyloc;
  YY_REDUCE_PRINT (yyn);
  switch (yyn)
    {
  case 4: /* decls: decls decl  */
#line 99 "nas.y"
                            { if ((yyvsp[0].decl)) add_decl(state, (yyvsp[0].decl)); }
#line 1500 "nas.tab.c"
    break;

  case 7: /* decl: "import" "string" ';'  */
#line 105 "nas.y"
                                              { (yyval.decl) = ast_decl_new(DECL_IMPORT, (yyvsp[-1].str), (yylsp[-1]), (yylsp[-2]), no_items(), NULL); }
#line 1506 "nas.tab.c"
    break;

  case 8: /* decl: "block" "identifier" '(' params ')' body  */
#line 106 "nas.y"
                                              { (yyval.decl) = ast_decl_new(DECL_BLOCK, (yyvsp[-4].str), (yylsp[-4]), (yylsp[-5]), (yyvsp[-2].vec), (yyvsp[0].stmt)); }
#line 1512 "nas.tab.c"
    break;

  case 9: /* decl: "fn" "identifier" '(' params ')' body  */
#line 107 "nas.y"
                                              { (yyval.decl) = ast_decl_new(DECL_FN, (yyvsp[-4].str), (yylsp[-4]), (yylsp[-5]), (yyvsp[-2].vec), (yyvsp[0].stmt)); }
#line 1518 "nas.tab.c"
    break;

  case 10: /* decl: "network" "identifier" '(' params ')' body  */
#line 108 "nas.y"
                                               { (yyval.decl) = ast_decl_new(DECL_NETWORK, (yyvsp[-4].str), (yylsp[-4]), (yylsp[-5]), (yyvsp[-2].vec), (yyvsp[0].stmt)); }
#line 1524 "nas.tab.c"
    break;

  case 11: /* params: %empty  */
#line 112 "nas.y"
                            { (yyval.vec) = no_items(); }
#line 1530 "nas.tab.c"
    break;

  case 14: /* param_list: param  */
#line 118 "nas.y"
                            { (yyval.vec) = ast_vec1((yyvsp[0].param)); }
#line 1536 "nas.tab.c"
    break;

  case 15: /* param_list: param_list ',' param  */
#line 119 "nas.y"
                            { (yyval.vec) = ast_vec_append((yyvsp[-2].vec), (yyvsp[0].param)); }
#line 1542 "nas.tab.c"
    break;

  case 16: /* param: "identifier"  */
#line 123 "nas.y"
                            { (yyval.param) = ast_param_new((yyvsp[0].str), (yylsp[0]), NULL); }
#line 1548 "nas.tab.c"
    break;

  case 17: /* param: "identifier" '=' expr  */
#line 124 "nas.y"
                            { (yyval.param) = ast_param_new((yyvsp[-2].str), (yylsp[-2]), (yyvsp[0].expr)); }
#line 1554 "nas.tab.c"
    break;

  case 18: /* body: '{' stmts '}'  */
#line 128 "nas.y"
                            { (yyval.stmt) = (yyvsp[-1].stmts).first; }
#line 1560 "nas.tab.c"
    break;

  case 20: /* stmts: stmt_list stmt  */
#line 133 "nas.y"
                            { (yyval.stmts) = ast_stmt_append((yyvsp[-1].stmts), (yyvsp[0].stmt)); }
#line 1566 "nas.tab.c"
    break;

  case 21: /* stmt_list: %empty  */
#line 137 "nas.y"
                            { (yyval.stmts) = (ast_stmt_list){NULL, NULL}; }
#line 1572 "nas.tab.c"
    break;

  case 23: /* stmt_list: stmt_list stmt ';'  */
#line 139 "nas.y"
                            { (yyval.stmts) = ast_stmt_append((yyvsp[-2].stmts), (yyvsp[-1].stmt)); }
#line 1578 "nas.tab.c"
    break;

  case 25: /* stmt: targets '=' expr  */
#line 144 "nas.y"
                                            { (yyval.stmt) = ast_assign((yyvsp[-2].vec), (yyvsp[0].expr), (yylsp[-2])); }
#line 1584 "nas.tab.c"
    break;

  case 26: /* stmt: "return" expr_list  */
#line 145 "nas.y"
                                            { (yyval.stmt) = ast_return((yyvsp[0].vec), (yylsp[-1])); }
#line 1590 "nas.tab.c"
    break;

  case 28: /* stmt: "repeat" expr body  */
#line 147 "nas.y"
                                            { (yyval.stmt) = ast_repeat(NULL, SRC_NONE, (yyvsp[-1].expr), (yyvsp[0].stmt), (yylsp[-2])); }
#line 1596 "nas.tab.c"
    break;

  case 29: /* stmt: "repeat" "identifier" "in" expr body  */
#line 148 "nas.y"
                                            { (yyval.stmt) = ast_repeat((yyvsp[-3].str), (yylsp[-3]), (yyvsp[-1].expr), (yyvsp[0].stmt), (yylsp[-4])); }
#line 1602 "nas.tab.c"
    break;

  case 30: /* stmt: expr  */
#line 149 "nas.y"
                                            { (yyval.stmt) = ast_expr_stmt((yyvsp[0].expr)); }
#line 1608 "nas.tab.c"
    break;

  case 31: /* stmt: "else" body  */
#line 150 "nas.y"
                            { diag_error((yylsp[-1]), "'else' must be on the same line as the '}' that closes the 'if' body"); (yyval.stmt) = NULL; }
#line 1614 "nas.tab.c"
    break;

  case 32: /* stmt: "else" if_stmt  */
#line 151 "nas.y"
                            { diag_error((yylsp[-1]), "'else' must be on the same line as the '}' that closes the 'if' body"); (yyval.stmt) = NULL; }
#line 1620 "nas.tab.c"
    break;

  case 33: /* stmt: "if" expr '=' expr body  */
#line 152 "nas.y"
                            { diag_error((yylsp[-2]), "'=' assigns; use '==' to compare"); (yyval.stmt) = NULL; }
#line 1626 "nas.tab.c"
    break;

  case 34: /* if_stmt: "if" expr body  */
#line 156 "nas.y"
                                            { (yyval.stmt) = ast_if((yyvsp[-1].expr), (yyvsp[0].stmt), NULL, (yylsp[-2])); }
#line 1632 "nas.tab.c"
    break;

  case 35: /* if_stmt: "if" expr body "else" body  */
#line 157 "nas.y"
                                            { (yyval.stmt) = ast_if((yyvsp[-3].expr), (yyvsp[-2].stmt), (yyvsp[0].stmt), (yylsp[-4])); }
#line 1638 "nas.tab.c"
    break;

  case 36: /* if_stmt: "if" expr body "else" if_stmt  */
#line 158 "nas.y"
                                            { (yyval.stmt) = ast_if((yyvsp[-3].expr), (yyvsp[-2].stmt), (yyvsp[0].stmt), (yylsp[-4])); }
#line 1644 "nas.tab.c"
    break;

  case 37: /* targets: "identifier"  */
#line 162 "nas.y"
                                            { (yyval.vec) = ast_vec1(ast_target_new((yyvsp[0].str), (yylsp[0]))); }
#line 1650 "nas.tab.c"
    break;

  case 38: /* targets: targets ',' "identifier"  */
#line 163 "nas.y"
                                            { (yyval.vec) = ast_vec_append((yyvsp[-2].vec), ast_target_new((yyvsp[0].str), (yylsp[0]))); }
#line 1656 "nas.tab.c"
    break;

  case 39: /* expr_list: expr  */
#line 167 "nas.y"
                            { (yyval.vec) = ast_vec1((yyvsp[0].expr)); }
#line 1662 "nas.tab.c"
    break;

  case 40: /* expr_list: expr_list ',' expr  */
#line 168 "nas.y"
                            { (yyval.vec) = ast_vec_append((yyvsp[-2].vec), (yyvsp[0].expr)); }
#line 1668 "nas.tab.c"
    break;

  case 43: /* pipe: pipe '|' stage  */
#line 177 "nas.y"
                            { (yyval.expr) = ast_pipe((yyvsp[-2].expr), (yyvsp[0].expr)); }
#line 1674 "nas.tab.c"
    break;

  case 46: /* cond: "if" expr "then" expr "else" cond  */
#line 186 "nas.y"
                                            { (yyval.expr) = ast_cond((yyvsp[-4].expr), (yyvsp[-2].expr), (yyvsp[0].expr), (yylsp[-5])); }
#line 1680 "nas.tab.c"
    break;

  case 48: /* or_expr: or_expr "or" and_expr  */
#line 191 "nas.y"
                            { (yyval.expr) = ast_binary(OP_OR, (yyvsp[-2].expr), (yyvsp[0].expr)); }
#line 1686 "nas.tab.c"
    break;

  case 50: /* and_expr: and_expr "and" not_expr  */
#line 196 "nas.y"
                            { (yyval.expr) = ast_binary(OP_AND, (yyvsp[-2].expr), (yyvsp[0].expr)); }
#line 1692 "nas.tab.c"
    break;

  case 52: /* not_expr: "not" not_expr  */
#line 201 "nas.y"
                            { (yyval.expr) = ast_unary(OP_NOT, (yyvsp[0].expr), (yylsp[-1])); }
#line 1698 "nas.tab.c"
    break;

  case 54: /* cmp: sum "==" sum  */
#line 206 "nas.y"
                            { (yyval.expr) = ast_binary(OP_EQ, (yyvsp[-2].expr), (yyvsp[0].expr)); }
#line 1704 "nas.tab.c"
    break;

  case 55: /* cmp: sum "!=" sum  */
#line 207 "nas.y"
                            { (yyval.expr) = ast_binary(OP_NE, (yyvsp[-2].expr), (yyvsp[0].expr)); }
#line 1710 "nas.tab.c"
    break;

  case 56: /* cmp: sum '<' sum  */
#line 208 "nas.y"
                            { (yyval.expr) = ast_binary(OP_LT, (yyvsp[-2].expr), (yyvsp[0].expr)); }
#line 1716 "nas.tab.c"
    break;

  case 57: /* cmp: sum "<=" sum  */
#line 209 "nas.y"
                            { (yyval.expr) = ast_binary(OP_LE, (yyvsp[-2].expr), (yyvsp[0].expr)); }
#line 1722 "nas.tab.c"
    break;

  case 58: /* cmp: sum '>' sum  */
#line 210 "nas.y"
                            { (yyval.expr) = ast_binary(OP_GT, (yyvsp[-2].expr), (yyvsp[0].expr)); }
#line 1728 "nas.tab.c"
    break;

  case 59: /* cmp: sum ">=" sum  */
#line 211 "nas.y"
                            { (yyval.expr) = ast_binary(OP_GE, (yyvsp[-2].expr), (yyvsp[0].expr)); }
#line 1734 "nas.tab.c"
    break;

  case 61: /* sum: sum '+' term  */
#line 216 "nas.y"
                            { (yyval.expr) = ast_binary(OP_ADD, (yyvsp[-2].expr), (yyvsp[0].expr)); }
#line 1740 "nas.tab.c"
    break;

  case 62: /* sum: sum '-' term  */
#line 217 "nas.y"
                            { (yyval.expr) = ast_binary(OP_SUB, (yyvsp[-2].expr), (yyvsp[0].expr)); }
#line 1746 "nas.tab.c"
    break;

  case 64: /* term: term '*' unary  */
#line 222 "nas.y"
                            { (yyval.expr) = ast_binary(OP_MUL, (yyvsp[-2].expr), (yyvsp[0].expr)); }
#line 1752 "nas.tab.c"
    break;

  case 65: /* term: term '/' unary  */
#line 223 "nas.y"
                            { (yyval.expr) = ast_binary(OP_DIV, (yyvsp[-2].expr), (yyvsp[0].expr)); }
#line 1758 "nas.tab.c"
    break;

  case 66: /* term: term "//" unary  */
#line 224 "nas.y"
                            { (yyval.expr) = ast_binary(OP_FLOORDIV, (yyvsp[-2].expr), (yyvsp[0].expr)); }
#line 1764 "nas.tab.c"
    break;

  case 67: /* term: term '%' unary  */
#line 225 "nas.y"
                            { (yyval.expr) = ast_binary(OP_MOD, (yyvsp[-2].expr), (yyvsp[0].expr)); }
#line 1770 "nas.tab.c"
    break;

  case 69: /* unary: '-' unary  */
#line 230 "nas.y"
                            { (yyval.expr) = ast_unary(OP_NEG, (yyvsp[0].expr), (yylsp[-1])); }
#line 1776 "nas.tab.c"
    break;

  case 71: /* postfix: postfix '(' args ')'  */
#line 235 "nas.y"
                                    { (yyval.expr) = ast_call((yyvsp[-3].expr), (yyvsp[-1].vec), (yylsp[0])); }
#line 1782 "nas.tab.c"
    break;

  case 72: /* postfix: postfix '.' "identifier"  */
#line 236 "nas.y"
                                    { (yyval.expr) = ast_member((yyvsp[-2].expr), (yyvsp[0].str), (yylsp[0])); }
#line 1788 "nas.tab.c"
    break;

  case 73: /* postfix: postfix '[' expr ']'  */
#line 237 "nas.y"
                                    { (yyval.expr) = ast_index((yyvsp[-3].expr), (yyvsp[-1].expr), (yylsp[0])); }
#line 1794 "nas.tab.c"
    break;

  case 74: /* postfix: postfix "as" layer_name  */
#line 238 "nas.y"
                                    { (yyval.expr) = ast_named((yyvsp[-2].expr), (yyvsp[0].str), (yylsp[0])); }
#line 1800 "nas.tab.c"
    break;

  case 76: /* layer_name: "integer"  */
#line 243 "nas.y"
                            { (yyval.str) = arena_printf("%lld", (long long)(yyvsp[0].ival)); }
#line 1806 "nas.tab.c"
    break;

  case 77: /* primary: "integer"  */
#line 247 "nas.y"
                            { (yyval.expr) = ast_int((yyvsp[0].ival), (yylsp[0])); }
#line 1812 "nas.tab.c"
    break;

  case 78: /* primary: "float"  */
#line 248 "nas.y"
                            { (yyval.expr) = ast_float((yyvsp[0].fval), (yylsp[0])); }
#line 1818 "nas.tab.c"
    break;

  case 79: /* primary: "string"  */
#line 249 "nas.y"
                            { (yyval.expr) = ast_string((yyvsp[0].str), (yylsp[0])); }
#line 1824 "nas.tab.c"
    break;

  case 80: /* primary: "true"  */
#line 250 "nas.y"
                            { (yyval.expr) = ast_bool(true, (yylsp[0])); }
#line 1830 "nas.tab.c"
    break;

  case 81: /* primary: "false"  */
#line 251 "nas.y"
                            { (yyval.expr) = ast_bool(false, (yylsp[0])); }
#line 1836 "nas.tab.c"
    break;

  case 82: /* primary: "identifier"  */
#line 252 "nas.y"
                            { (yyval.expr) = ast_name((yyvsp[0].str), (yylsp[0])); }
#line 1842 "nas.tab.c"
    break;

  case 83: /* primary: "in"  */
#line 253 "nas.y"
                            { (yyval.expr) = ast_new_expr(AST_IN, (yylsp[0])); }
#line 1848 "nas.tab.c"
    break;

  case 84: /* primary: '(' expr ')'  */
#line 254 "nas.y"
                            { (yyval.expr) = (yyvsp[-1].expr); (yyval.expr)->loc = (yyloc); }
#line 1854 "nas.tab.c"
    break;

  case 85: /* primary: '[' list_items ']'  */
#line 255 "nas.y"
                            { (yyval.expr) = ast_list((yyvsp[-1].vec), (yyloc)); }
#line 1860 "nas.tab.c"
    break;

  case 86: /* primary: "seq" body  */
#line 256 "nas.y"
                            { (yyval.expr) = ast_seq(NULL, SRC_NONE, (yyvsp[0].stmt), (yylsp[-1])); }
#line 1866 "nas.tab.c"
    break;

  case 87: /* primary: "seq" "as" layer_name body  */
#line 257 "nas.y"
                               { (yyval.expr) = ast_seq((yyvsp[-1].str), (yylsp[-1]), (yyvsp[0].stmt), (yylsp[-3])); }
#line 1872 "nas.tab.c"
    break;

  case 88: /* list_items: %empty  */
#line 261 "nas.y"
                            { (yyval.vec) = no_items(); }
#line 1878 "nas.tab.c"
    break;

  case 91: /* args: %empty  */
#line 267 "nas.y"
                            { (yyval.vec) = no_items(); }
#line 1884 "nas.tab.c"
    break;

  case 94: /* arg_list: arg  */
#line 273 "nas.y"
                            { (yyval.vec) = ast_vec1((yyvsp[0].arg)); }
#line 1890 "nas.tab.c"
    break;

  case 95: /* arg_list: arg_list ',' arg  */
#line 274 "nas.y"
                            { (yyval.vec) = ast_vec_append((yyvsp[-2].vec), (yyvsp[0].arg)); }
#line 1896 "nas.tab.c"
    break;

  case 96: /* arg: expr  */
#line 278 "nas.y"
                                    { (yyval.arg) = ast_arg_new(NULL, SRC_NONE, (yyvsp[0].expr)); }
#line 1902 "nas.tab.c"
    break;

  case 97: /* arg: "identifier" '=' expr  */
#line 279 "nas.y"
                                    { (yyval.arg) = ast_arg_new((yyvsp[-2].str), (yylsp[-2]), (yyvsp[0].expr)); }
#line 1908 "nas.tab.c"
    break;

  case 98: /* arg: "identifier" ':' expr  */
#line 280 "nas.y"
                                    { diag_error((yylsp[-1]), "keyword arguments use '=', not ':'"); (yyval.arg) = ast_arg_new((yyvsp[-2].str), (yylsp[-2]), (yyvsp[0].expr)); }
#line 1914 "nas.tab.c"
    break;


#line 1918 "nas.tab.c"

      default: break;
    }
  /* User semantic actions sometimes alter yychar, and that requires
     that yytoken be updated with the new translation.  We take the
     approach of translating immediately before every use of yytoken.
     One alternative is translating here after every semantic action,
     but that translation would be missed if the semantic action invokes
     YYABORT, YYACCEPT, or YYERROR immediately after altering yychar or
     if it invokes YYBACKUP.  In the case of YYABORT or YYACCEPT, an
     incorrect destructor might then be invoked immediately.  In the
     case of YYERROR or YYBACKUP, subsequent parser actions might lead
     to an incorrect destructor call or verbose syntax error message
     before the lookahead is translated.  */
  YY_SYMBOL_PRINT ("-> $$ =", YY_CAST (yysymbol_kind_t, yyr1[yyn]), &yyval, &yyloc);

  YYPOPSTACK (yylen);
  yylen = 0;

  *++yyvsp = yyval;
  *++yylsp = yyloc;

  /* Now 'shift' the result of the reduction.  Determine what state
     that goes to, based on the state we popped back to and the rule
     number reduced by.  */
  {
    const int yylhs = yyr1[yyn] - YYNTOKENS;
    const int yyi = yypgoto[yylhs] + *yyssp;
    yystate = (0 <= yyi && yyi <= YYLAST && yycheck[yyi] == *yyssp
               ? yytable[yyi]
               : yydefgoto[yylhs]);
  }

  goto yynewstate;


/*--------------------------------------.
| yyerrlab -- here on detecting error.  |
`--------------------------------------*/
yyerrlab:
  /* Make sure we have latest lookahead translation.  See comments at
     user semantic actions for why this is necessary.  */
  yytoken = yychar == NAS_EMPTY ? YYSYMBOL_YYEMPTY : YYTRANSLATE (yychar);
  /* If not already recovering from an error, report this error.  */
  if (!yyerrstatus)
    {
      ++yynerrs;
      {
        yypcontext_t yyctx
          = {yyssp, yytoken, &yylloc};
        if (yyreport_syntax_error (&yyctx, scanner, state) == 2)
          YYNOMEM;
      }
    }

  yyerror_range[1] = yylloc;
  if (yyerrstatus == 3)
    {
      /* If just tried and failed to reuse lookahead token after an
         error, discard it.  */

      if (yychar <= END)
        {
          /* Return failure if at end of input.  */
          if (yychar == END)
            YYABORT;
        }
      else
        {
          yydestruct ("Error: discarding",
                      yytoken, &yylval, &yylloc, scanner, state);
          yychar = NAS_EMPTY;
        }
    }

  /* Else will try to reuse lookahead token after shifting the error
     token.  */
  goto yyerrlab1;


/*---------------------------------------------------.
| yyerrorlab -- error raised explicitly by YYERROR.  |
`---------------------------------------------------*/
yyerrorlab:
  /* Pacify compilers when the user code never invokes YYERROR and the
     label yyerrorlab therefore never appears in user code.  */
  if (0)
    YYERROR;
  ++yynerrs;

  /* Do not reclaim the symbols of the rule whose action triggered
     this YYERROR.  */
  YYPOPSTACK (yylen);
  yylen = 0;
  YY_STACK_PRINT (yyss, yyssp);
  yystate = *yyssp;
  goto yyerrlab1;


/*-------------------------------------------------------------.
| yyerrlab1 -- common code for both syntax error and YYERROR.  |
`-------------------------------------------------------------*/
yyerrlab1:
  yyerrstatus = 3;      /* Each real token shifted decrements this.  */

  /* Pop stack until we find a state that shifts the error token.  */
  for (;;)
    {
      yyn = yypact[yystate];
      if (!yypact_value_is_default (yyn))
        {
          yyn += YYSYMBOL_YYerror;
          if (0 <= yyn && yyn <= YYLAST && yycheck[yyn] == YYSYMBOL_YYerror)
            {
              yyn = yytable[yyn];
              if (0 < yyn)
                break;
            }
        }

      /* Pop the current state because it cannot handle the error token.  */
      if (yyssp == yyss)
        YYABORT;

      yyerror_range[1] = *yylsp;
      yydestruct ("Error: popping",
                  YY_ACCESSING_SYMBOL (yystate), yyvsp, yylsp, scanner, state);
      YYPOPSTACK (1);
      yystate = *yyssp;
      YY_STACK_PRINT (yyss, yyssp);
    }

  YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
  *++yyvsp = yylval;
  YY_IGNORE_MAYBE_UNINITIALIZED_END

  yyerror_range[2] = yylloc;
  ++yylsp;
  YYLLOC_DEFAULT (*yylsp, yyerror_range, 2);

  /* Shift the error token.  */
  YY_SYMBOL_PRINT ("Shifting", YY_ACCESSING_SYMBOL (yyn), yyvsp, yylsp);

  yystate = yyn;
  goto yynewstate;


/*-------------------------------------.
| yyacceptlab -- YYACCEPT comes here.  |
`-------------------------------------*/
yyacceptlab:
  yyresult = 0;
  goto yyreturnlab;


/*-----------------------------------.
| yyabortlab -- YYABORT comes here.  |
`-----------------------------------*/
yyabortlab:
  yyresult = 1;
  goto yyreturnlab;


/*-----------------------------------------------------------.
| yyexhaustedlab -- YYNOMEM (memory exhaustion) comes here.  |
`-----------------------------------------------------------*/
yyexhaustedlab:
  yyerror (&yylloc, scanner, state, YY_("memory exhausted"));
  yyresult = 2;
  goto yyreturnlab;


/*----------------------------------------------------------.
| yyreturnlab -- parsing is finished, clean up and return.  |
`----------------------------------------------------------*/
yyreturnlab:
  if (yychar != NAS_EMPTY)
    {
      /* Make sure we have latest lookahead translation.  See comments at
         user semantic actions for why this is necessary.  */
      yytoken = YYTRANSLATE (yychar);
      yydestruct ("Cleanup: discarding lookahead",
                  yytoken, &yylval, &yylloc, scanner, state);
    }
  /* Do not reclaim the symbols of the rule whose action triggered
     this YYABORT or YYACCEPT.  */
  YYPOPSTACK (yylen);
  YY_STACK_PRINT (yyss, yyssp);
  while (yyssp != yyss)
    {
      yydestruct ("Cleanup: popping",
                  YY_ACCESSING_SYMBOL (+*yyssp), yyvsp, yylsp, scanner, state);
      YYPOPSTACK (1);
    }
#ifndef yyoverflow
  if (yyss != yyssa)
    YYSTACK_FREE (yyss);
#endif

  return yyresult;
}

#line 283 "nas.y"


/* Names tokens the way they appear in source: keywords and punctuation quoted. */
static const char *token_display(yysymbol_kind_t sym)
{
    const char *name = yysymbol_name(sym);
    size_t len = strlen(name);
    if (len >= 2 && name[0] == '"') {
        const char *inner = arena_strndup(name + 1, len - 2);
        bool word_class = strcmp(inner, "identifier") == 0 || strcmp(inner, "integer") == 0 ||
                          strcmp(inner, "float") == 0 || strcmp(inner, "string") == 0 ||
                          strcmp(inner, "end of file") == 0;
        return word_class ? inner : arena_printf("'%s'", inner);
    }
    if (strcmp(name, "';'") == 0)
        return "end of statement";
    if (strcmp(name, "\"end of file\"") == 0)
        return "end of file";
    return name;
}

static int yyreport_syntax_error(const yypcontext_t *ctx, lex_state *state)
{
    (void)state;
    enum { MAX_EXPECTED = 5 };
    yysymbol_kind_t expected[MAX_EXPECTED];
    int n = yypcontext_expected_tokens(ctx, expected, MAX_EXPECTED);
    yysymbol_kind_t found = yypcontext_token(ctx);

    char *msg = arena_printf("syntax error: unexpected %s",
                             found == YYSYMBOL_YYEMPTY ? "token" : token_display(found));
    if (n > 0) {
        msg = arena_printf("%s, expected %s", msg, token_display(expected[0]));
        for (int i = 1; i < n; i++)
            msg = arena_printf("%s%s%s", msg, i == n - 1 ? " or " : ", ", token_display(expected[i]));
    }
    diag_error(*yypcontext_location(ctx), "%s", msg);
    return 0;
}
