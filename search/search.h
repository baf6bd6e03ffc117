/*
 * The search driver: `nasc search` and `nasc report`.
 *
 *   goals.c   constraints and objectives: their text, parsed with errors
 *             that point into the file's directive or name the option
 *   log.c     the records of DIR/log.jsonl and the settings of
 *             DIR/search.json, written and read back with cJSON
 *   search.c  the command line, the strategies (random, regularized
 *             evolution, local search, exhaustive), the evaluation of one
 *             candidate, resuming by replay, progress, and the results
 *   report.c  `nasc report DIR`, and the Pareto front shared by both
 *
 * A search is deterministic given its seed wherever the strategy's
 * decisions depend only on deterministic values (params, MACs, memory,
 * seeded training-free scores). A resumed search replays the strategy from
 * the start and takes each logged candidate's result from the log instead
 * of measuring it again.
 */
#ifndef NASC_SEARCH_H
#define NASC_SEARCH_H

#include "../common/common.h"
#include "evaluate.h"
#include "space.h"

/* ---- goals.c ---- */

typedef enum {
    METRIC_LATENCY,      /* milliseconds, measured */
    METRIC_PARAMS,
    METRIC_MACS,
    METRIC_PEAK_MEMORY,  /* peak live activation bytes of the liveness plan */
    METRIC_NASWOT,
    METRIC_MECO,
    METRIC_EXTERNAL,     /* the number printed by --score-cmd */
    METRIC_COUNT
} search_metric;

/* The name used in constraints, objectives and the log ("peak_memory"). */
const char *search_metric_name(search_metric m);

/* `METRIC < LIMIT` or `METRIC <= LIMIT`, LIMIT in the metric's base unit. */
typedef struct {
    search_metric metric;  /* latency, params, macs or peak_memory */
    bool strict;           /* < rather than <= */
    double limit;          /* ms, count or bytes */
    const char *text;      /* as written, for messages and the log */
} search_constraint;

typedef struct {
    search_metric metric;
    bool maximize;
    const char *text;
} search_objective;

/*
 * Parse a constraint or an objective. On invalid text they return false
 * and set *error to a message and *offset to the byte of text where the
 * problem starts (so that a caller can underline it in the file).
 */
bool search_parse_constraint(const char *text, search_constraint *out, const char **error,
                             int *offset);
bool search_parse_objective(const char *text, search_objective *out, const char **error,
                            int *offset);

/* True when value satisfies c (value in the metric's base unit). */
bool search_constraint_holds(const search_constraint *c, double value);

/* ---- log.c ---- */

/* One line of log.jsonl: a candidate and what became of it. */
typedef struct {
    int id;                    /* 1, 2, ... in log order */
    const char *genotype;      /* canonical text */
    const char *status;        /* ok, invalid, pruned, duplicate, compile_error, crash,
                                  timeout, score_error */
    const char *error;         /* one line, or NULL */
    const char *violates;      /* text of a violated constraint, or NULL */
    int same_as;               /* duplicate: the id of the isomorphic candidate, else 0 */
    uint64_t graph_hash;       /* 0 for an invalid candidate */
    double params, macs, peak_activation_bytes; /* NaN when unknown */
    double latency_ms, latency_iqr_ms, latency_min_ms; /* NaN when not measured */
    double naswot, meco, external;                     /* NaN when not computed */
    double compile_s, eval_s;
    int kernels_compiled, kernels_cached;
    const char *time;          /* UTC, ISO 8601 */
    bool reached;              /* not logged: the running search has proposed it */
} search_record;

/* The value of metric m in r (NaN when r has none). */
double search_record_metric(const search_record *r, search_metric m);

/* Feasible: measured without failure and within every constraint. */
bool search_record_feasible(const search_record *r);

/* The record as one line of JSON with its newline; malloc'd. */
char *search_record_json(const search_record *r);

/*
 * Reads DIR/log.jsonl into *records (arena). A last line without its
 * newline is a write cut short by a kill: it is ignored, and *valid_bytes
 * is the length of the complete lines, so that the caller can cut it off.
 * Returns false with a message on stderr when a complete line is invalid.
 * A missing log is an empty one.
 */
bool search_read_log(const char *path, ptr_vec *records, long *valid_bytes);

/* The settings of a search, stored in DIR/search.json. */
typedef struct {
    const char *file;
    const char *network;        /* NULL: the file's only network */
    const char *strategy;
    uint64_t seed;
    long budget;                /* 0: no limit */
    double time_budget_s;       /* 0: no limit */
    int population, sample;     /* evolution */
    int batch;                  /* mini-batch of the training-free scores */
    bool latency;               /* measure latency */
    const char *score_cmd;      /* or NULL */
    const char *target;         /* of the generated code: "avx2" ...; NULL in old settings */
    int threads;                /* of the generated code while timing; 1 in old settings */
    uint64_t source_hash;       /* of the main file's text */
    ptr_vec sets;               /* of const char *, "NAME=VALUE" */
    ptr_vec objectives;         /* of search_objective * */
    ptr_vec constraints;        /* of search_constraint * */
} search_settings;

bool search_write_settings(const char *path, const search_settings *s);

/*
 * Reads DIR/search.json; objectives and constraints are parsed again from
 * their text. Returns false with a message on stderr.
 */
bool search_read_settings(const char *path, search_settings *s);

/* ---- strategies.c ---- */

/* A hash table from 64-bit keys to record indices, with open addressing. */
typedef struct {
    uint64_t *keys;
    int *values;      /* index in records + 1; 0 marks an empty slot */
    size_t cap;       /* a power of two */
    size_t len;
} search_table;

/* A running search. search.c sets it up; strategies.c runs it. */
typedef struct {
    sp_space *space;
    const search_settings *settings;
    const search_objective *first;  /* the objective that ranks candidates */
    ev_config ev;
    const char *out_dir;
    bool keep_work;          /* keep DIR/work/ID after measuring */
    int log_fd;              /* DIR/log.jsonl, O_APPEND */
    uint64_t rng;

    ptr_vec records;         /* of search_record: the log's, then this run's new ones */
    int nlogged;             /* records read from the log (in the arena; the others malloc'd) */
    search_table by_genotype;   /* text hash -> every record */
    search_table by_graph;      /* graph hash -> the first reached record of that graph */
    int next_id;
    long reached;            /* records the strategy proposed in this run */
    long charged;            /* of those, the ones the budget counts (not duplicates) */
    long measured;           /* candidates measured by this run (not taken from the log) */
    long repeats;            /* proposals in a row that found nothing new */
    double space_size;       /* candidates in the space, or -1 when too many to count */

    double start_s;
    double last_progress_s;
    bool progress_tty;
    const search_record *best;
    const char *stop_reason; /* set when the search must stop */
} search_state;

/* Runs the settings' strategy until the budget, the time or the space runs out. */
void search_run(search_state *st);

/* Records a stop request from SIGINT or SIGTERM; the search ends after its candidate. */
void search_request_stop(int signal_number);

/* Adds a record (from the log, at the start) to the search's records. */
void search_add_record(search_state *st, search_record *r);

/* Frees the records that this run added, and the tables. */
void search_free_state(search_state *st);

/* Redraws the progress line (a terminal) or prints one every 10 s; final ends it. */
void search_progress(search_state *st, bool final);

/* ---- report.c ---- */

/*
 * Fitness of r under the first objective: larger is better, -infinity for
 * an infeasible candidate.
 */
double search_fitness(const search_record *r, const search_objective *first);

/*
 * The non-dominated feasible records (of search_record *) over the
 * objectives, plus latency minimized when the search measured it and no
 * objective is latency already. Duplicates are left out. Ordered by
 * fitness, best first.
 */
ptr_vec search_pareto(const ptr_vec *records, const search_settings *s);

/* Prints records as a table: id, genotype (cut), the objectives, latency, params. */
void search_print_table(FILE *f, const ptr_vec *records, const search_settings *s);

/* ---- the commands ---- */

#define SEARCH_USAGE \
    "nasc search FILE --out DIR [--budget N] [--time-budget S] [--strategy NAME]\n" \
    "                  [--seed N] [--resume] [--constraint TEXT]... [--objective TEXT]...\n" \
    "                  [--score-cmd CMD] [--timeout S] [--target T] [--threads N]\n" \
    "                  [--network NAME] [--set NAME=VALUE]..."
#define REPORT_USAGE "nasc report DIR [--top N]"

/* Help text of `nasc help search` and `nasc help report`. */
extern const char search_help_details[];
extern const char report_help_details[];

/* The commands' entry points, argv after the command name; return the exit status. */
/* Parses a space's constraint and objective directives, reporting errors (nasc check). */
bool search_check_directives(const sp_space *space);

int search_main(int argc, char **argv, const char *command_line);
int report_main(int argc, char **argv);

#endif
