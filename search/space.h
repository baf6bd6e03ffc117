/*
 * Search spaces: the choice points of a network, genotypes, and the
 * candidates they build.
 *
 * A search space is an ordinary network whose body reaches choice points
 * (`choice`, `pick`, `repeat choice`; see docs/language.md). The frontend
 * calls a decider at every point it reaches, so a candidate is built by
 * evaluating the network once with a genotype as the decider. Points are
 * discovered by evaluating the network: sp_open builds candidates in which
 * every point takes its k-th option in turn. These builds also find the
 * points that only some options reach, such as the blocks of a deeper
 * repeat or the choices inside one option of an op choice.
 *
 * A genotype gives an option index for every point of the space; the
 * points that a candidate does not reach (the fourth block when the depth
 * choice says 3) are inactive and hold -1 after sp_build. Two genotypes
 * that differ only in inactive points are the same candidate, and the
 * canonical text lists active points only.
 *
 * Memory: the space lives in the arena below any mark the caller sets;
 * candidates are built above it, so that arena_release after each
 * candidate keeps a long search in bounded memory. Genotypes are malloc'd
 * (sp_genotype_free), because they outlive candidates.
 */
#ifndef NASC_SPACE_H
#define NASC_SPACE_H

#include "../frontend/frontend.h"

typedef struct {
    const char *name;      /* dotted path for independent points, the bare name for shared ones */
    fe_choice_kind kind;   /* one of several options, k of n inputs, or a repeat count */
    bool shared;
    int noptions;
    const char **labels;   /* the printed form of each option */
    int64_t *depths;       /* FE_CHOICE_DEPTH: the repeat count of each option */
    src_loc loc;
    int parent;            /* the point whose option decides if this one is reached, or -1 */
    int parent_option;     /* reached only when parent takes this option (op choices), or -1 */
    int parent_iteration;  /* reached only when parent's repeat count exceeds this, or -1 */
} sp_point;

typedef struct {
    const char *text;      /* e.g. "latency <= 5 ms" */
    src_loc loc;
} sp_directive;

typedef struct {
    const fe_program *prog;
    const ast_decl *network;
    const ptr_vec *overrides; /* of fe_override, or NULL */
    sp_point *points;
    int npoints;
    int cap;
    const char *format;       /* genotype template of the network, or NULL */
    src_loc format_loc;
    ptr_vec constraints;      /* of sp_directive, from `constraint "..."` */
    ptr_vec objectives;       /* of sp_directive, from `objective "..."` */
} sp_space;

typedef struct {
    int npoints;  /* may be less than the space's: missing points are unset */
    int *option;  /* per point: option index, or -1 (unset, or inactive after sp_build) */
} sp_genotype;

/* The result of building one candidate. */
typedef struct {
    ir_graph *graph;        /* verified, or NULL when the candidate is invalid */
    const char *error;      /* why it is invalid: the first diagnostic, one line */
    sp_genotype *genotype;  /* the decisions taken, normalized: inactive points -1 */
} sp_candidate;

/*
 * Discovers the choice points of a network. Reports errors (a network that
 * fails for every option, a point reached twice) with diag_error and
 * returns NULL. A network without choice points is a space of size 1.
 */
sp_space *sp_open(const fe_program *p, const ast_decl *network, const ptr_vec *overrides);

/* Frees the points of a space; the space itself lives in the arena. */
void sp_close(sp_space *s);

/* The number of distinct candidates, as exact decimal digits. */
const char *sp_size_text(const sp_space *s);
/* log10 of the number of candidates (for the progress and for huge spaces). */
double sp_size_log10(const sp_space *s);

sp_genotype *sp_genotype_new(const sp_space *s);  /* every point unset */
sp_genotype *sp_genotype_copy(const sp_genotype *g);
void sp_genotype_free(sp_genotype *g);
bool sp_genotype_equal(const sp_genotype *a, const sp_genotype *b);

/*
 * Builds the candidate of genotype g: unset points that the evaluation
 * reaches take a random option from *rng (or option 0 when rng is NULL).
 * Quiet: diagnostics go to out->error, not stderr. Returns false for an
 * invalid candidate. The graph lives in the arena.
 */
bool sp_build(sp_space *s, const sp_genotype *g, uint64_t *rng, sp_candidate *out);

/* A genotype with every point drawn uniformly (sp_build then normalizes it). */
sp_genotype *sp_random(const sp_space *s, uint64_t *rng);

/*
 * A child that differs from parent (a normalized genotype) in one active
 * point, drawn uniformly, set to another of its options, drawn uniformly.
 * Points that the change activates are drawn at random by sp_build.
 * NULL when the space has no point with two options.
 */
sp_genotype *sp_mutate(const sp_space *s, const sp_genotype *parent, uint64_t *rng);

/*
 * Every one-point change of parent, in point then option order: the
 * neighbourhood of local search. Returns the count; *out is malloc'd.
 */
int sp_neighbours(const sp_space *s, const sp_genotype *parent, sp_genotype ***out);

/*
 * Exhaustive enumeration: *g starts as NULL; each call sets *g to the next
 * distinct candidate (normalized) and returns true; after the last it
 * frees *g, sets it to NULL and returns false.
 * Candidates come in a fixed order, so an interrupted enumeration resumes
 * by counting.
 */
bool sp_enumerate_next(sp_space *s, sp_genotype **g);

/* Canonical text of a normalized genotype: the network's template, or name=label,... */
const char *sp_format(const sp_space *s, const sp_genotype *g);
/* Parses text in either form; NULL with *error set (one line) when it is not valid. */
sp_genotype *sp_parse(const sp_space *s, const char *text, const char **error);

/*
 * A hash of the candidate's computation, equal for isomorphic candidates:
 * zero edges and layers that reach no output removed, nodes compared by op,
 * attributes, shape and inputs (unordered for add), not by name.
 */
uint64_t sp_graph_hash(const ir_graph *g);

/* `nasc space`: the size, the template and one line per choice point. */
void sp_print(FILE *f, const sp_space *s);

/* The searcher's random numbers (splitmix64): the next 64 bits of *state. */
uint64_t sp_rng_next(uint64_t *state);
/* Uniform integer in [0, n). */
int sp_rng_below(uint64_t *state, int n);

#endif
