/*
 * The search loop: proposing candidates, evaluating each once, and the
 * four strategies that decide what to propose.
 *
 * Every proposal goes through propose(): the genotype is built (which
 * normalizes it and draws the points a mutation activates from the same
 * random generator), and its canonical text is looked up among the
 * records. A record from the log of an interrupted run is used as it is,
 * so `--resume` replays the strategy without measuring again. A record
 * already reached in this run is a repeat that costs nothing.
 * Only a new genotype is evaluated: cost model, the constraints on params,
 * MACs and peak memory, isomorphism with an earlier candidate, then
 * ev_evaluate, then the latency constraint. Because sp_build runs for
 * every proposal, the random generator advances the same way whether a
 * result comes from the log or from a measurement.
 *
 * Memory: each proposal's graph and temporaries live in the arena above a
 * mark released after it; records, which outlive proposals, are malloc'd.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "search.h"

/* Proposals in a row that bring nothing new before a strategy gives up on the space. */
#define MAX_REPEATS 1000

/* Seconds between progress lines when stderr is not a terminal. */
#define PROGRESS_INTERVAL_S 10.0

static volatile sig_atomic_t stop_signal;

void search_request_stop(int signal_number)
{
    stop_signal = signal_number;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static char *keep(const char *s)
{
    if (!s)
        return NULL;
    char *copy = strdup(s);
    NASC_ASSERT(copy);
    return copy;
}

/* ---- hash tables ---- */

static uint64_t hash_text(const char *text)
{
    uint64_t h = 1469598103934665603u;
    for (const char *c = text; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211u;
    return h | 1; /* never 0, which some callers use as "none" */
}

static void table_insert(search_table *t, uint64_t key, int index);

static void table_grow(search_table *t)
{
    search_table old = *t;
    t->cap = old.cap ? old.cap * 2 : 64;
    t->len = 0;
    t->keys = calloc(t->cap, sizeof *t->keys);
    t->values = calloc(t->cap, sizeof *t->values);
    NASC_ASSERT(t->keys && t->values);
    for (size_t i = 0; i < old.cap; i++)
        if (old.values[i])
            table_insert(t, old.keys[i], old.values[i] - 1);
    free(old.keys);
    free(old.values);
}

/* Adds key -> index; equal keys may be stored several times. */
static void table_insert(search_table *t, uint64_t key, int index)
{
    if ((t->len + 1) * 2 > t->cap)
        table_grow(t);
    size_t i = key & (t->cap - 1);
    while (t->values[i])
        i = (i + 1) & (t->cap - 1);
    t->keys[i] = key;
    t->values[i] = index + 1;
    t->len++;
}

/*
 * Calls match(index) for every index stored under key until one returns
 * true; returns that index, or -1.
 */
static int table_find(const search_table *t, uint64_t key, bool (*match)(const void *, int),
                      const void *context)
{
    if (!t->cap)
        return -1;
    for (size_t i = key & (t->cap - 1); t->values[i]; i = (i + 1) & (t->cap - 1))
        if (t->keys[i] == key && match(context, t->values[i] - 1))
            return t->values[i] - 1;
    return -1;
}

typedef struct {
    const search_state *st;
    const char *text;
} text_query;

static bool same_text(const void *context, int index)
{
    const text_query *q = context;
    const search_record *r = q->st->records.items[index];
    return strcmp(r->genotype, q->text) == 0;
}

static bool any_record(const void *context, int index)
{
    (void)context;
    (void)index;
    return true;
}

/* ---- records ---- */

static search_record *new_record(search_state *st, const char *genotype)
{
    search_record *r = calloc(1, sizeof *r);
    NASC_ASSERT(r);
    r->id = st->next_id++;
    r->genotype = keep(genotype);
    r->params = r->macs = r->peak_activation_bytes = NAN;
    r->latency_ms = r->latency_iqr_ms = r->latency_min_ms = NAN;
    r->naswot = r->meco = r->external = NAN;
    time_t t = time(NULL);
    struct tm utc;
    gmtime_r(&t, &utc);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    r->time = keep(stamp);
    return r;
}

/* Appends the record's line to the log with one write, then syncs it to disk. */
static void append_to_log(search_state *st, const search_record *r)
{
    char *line = search_record_json(r);
    size_t len = strlen(line);
    ssize_t written = write(st->log_fd, line, len);
    if (written != (ssize_t)len) {
        fprintf(stderr, "\nnasc: cannot append to '%s/log.jsonl': %s\n", st->out_dir,
                written < 0 ? strerror(errno) : "short write");
        st->stop_reason = "the log could not be written";
    } else {
        fdatasync(st->log_fd);
    }
    free(line);
}

/* The record whose result a strategy uses: for a duplicate, the earlier twin. */
static const search_record *effective(const search_state *st, const search_record *r)
{
    if (r && strcmp(r->status, "duplicate") == 0 && r->same_as > 0)
        for (int i = 0; i < st->records.len; i++) {
            const search_record *q = st->records.items[i];
            if (q->id == r->same_as)
                return q;
        }
    return r;
}

static double fitness(const search_state *st, const search_record *r)
{
    return search_fitness(effective(st, r), st->first);
}

/* Marks r as reached by this run: counts it, indexes its graph, updates the best. */
static void reach(search_state *st, search_record *r, int index)
{
    r->reached = true;
    st->reached++;
    st->repeats = 0;
    if (strcmp(r->status, "duplicate") != 0) {
        st->charged++;
        if (r->graph_hash &&
            table_find(&st->by_graph, r->graph_hash, any_record, NULL) < 0)
            table_insert(&st->by_graph, r->graph_hash, index);
    }
    if (search_record_feasible(r) &&
        (!st->best || search_fitness(r, st->first) > search_fitness(st->best, st->first)))
        st->best = r;
}

/* ---- evaluating a new candidate ---- */

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* True when the test hook variable `name` is set and its text occurs in genotype. */
static bool test_hook(const char *name, const char *genotype)
{
    const char *pattern = getenv(name);
    return pattern && *pattern && strstr(genotype, pattern);
}

/* The first constraint on params, MACs or peak memory that r violates, or NULL. */
static const search_constraint *violated_before_compiling(const search_state *st,
                                                          const search_record *r)
{
    const ptr_vec *cs = &st->settings->constraints;
    for (int i = 0; i < cs->len; i++) {
        const search_constraint *c = cs->items[i];
        if (c->metric != METRIC_LATENCY &&
            !search_constraint_holds(c, search_record_metric(r, c->metric)))
            return c;
    }
    return NULL;
}

/* Measures r's graph with ev_evaluate in DIR/work/ID; false when abandoned for a stop. */
static bool measure(search_state *st, search_record *r, const ir_graph *graph)
{
    const char *work = arena_printf("%s/work", st->out_dir);
    const char *dir = arena_printf("%s/%d", work, r->id);
    mkdir(work, 0777);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        r->status = "crash";
        r->error = keep(arena_printf("cannot create '%s': %s", dir, strerror(errno)));
        return true;
    }
    /* For the score command: the genotype, and the candidate as a concrete network. */
    FILE *f = fopen(arena_printf("%s/genotype.txt", dir), "w");
    if (f) {
        fprintf(f, "%s\n", r->genotype);
        fclose(f);
    }
    f = fopen(arena_printf("%s/candidate.nas", dir), "w");
    if (f) {
        ir_write_nas(f, graph, arena_printf("candidate %d\ngenotype: %s", r->id, r->genotype));
        fclose(f);
    }

    ev_config config = st->ev;
    config.inject_crash = test_hook("NASC_SEARCH_TEST_CRASH", r->genotype);
    config.inject_hang = test_hook("NASC_SEARCH_TEST_HANG", r->genotype);
    ev_result result;
    memset(&result, 0, sizeof result);
    double start = now_s();
    ev_evaluate(&config, graph, dir, &result);
    r->eval_s = now_s() - start;
    if (!st->keep_work)
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (stop_signal && result.status != EV_OK)
        return false; /* probably the signal's doing: measured again on resume */

    r->status = ev_status_name(result.status);
    r->error = result.error[0] ? keep(result.error) : NULL;
    r->compile_s = result.compile_s;
    r->kernels_compiled = result.kernels_compiled;
    r->kernels_cached = result.kernels_cached;
    r->latency_ms = result.latency_ms;
    r->latency_iqr_ms = result.latency_iqr_ms;
    r->latency_min_ms = result.latency_min_ms;
    for (int i = 0; i < result.nscores; i++) {
        const char *name = result.score_names[i];
        if (strcmp(name, "naswot") == 0)
            r->naswot = result.scores[i];
        else if (strcmp(name, "meco") == 0)
            r->meco = result.scores[i];
        else if (strcmp(name, "external") == 0)
            r->external = result.scores[i];
    }
    if (result.status == EV_OK)
        for (int i = 0; i < st->settings->constraints.len; i++) {
            const search_constraint *c = st->settings->constraints.items[i];
            if (c->metric == METRIC_LATENCY && !isnan(r->latency_ms) &&
                !search_constraint_holds(c, r->latency_ms))
                r->violates = keep(c->text);
        }
    st->measured++;
    return true;
}

/*
 * Evaluates a new candidate: invalid, pruned, duplicate or measured.
 * Returns NULL when a stop request abandoned it.
 */
static search_record *evaluate_new(search_state *st, const char *text, bool valid,
                                   const sp_candidate *c)
{
    search_record *r = new_record(st, text);
    if (!valid) {
        r->status = "invalid";
        r->error = keep(c->error ? c->error : "the candidate does not build");
        return r;
    }
    ir_cost cost = ir_live_cost(c->graph);
    r->params = (double)cost.params;
    r->macs = (double)cost.macs;
    r->peak_activation_bytes = (double)cost.peak_activation_bytes;
    r->graph_hash = sp_graph_hash(c->graph) | 1;

    const search_constraint *violated = violated_before_compiling(st, r);
    if (violated) {
        r->status = "pruned";
        r->violates = keep(violated->text);
        return r;
    }
    int twin = table_find(&st->by_graph, r->graph_hash, any_record, NULL);
    if (twin >= 0) {
        const search_record *q = st->records.items[twin];
        search_record copy = *q;
        copy.id = r->id;
        copy.genotype = r->genotype;
        copy.time = r->time;
        copy.status = "duplicate";
        copy.same_as = q->id;
        copy.compile_s = copy.eval_s = 0;
        copy.kernels_compiled = copy.kernels_cached = 0;
        copy.reached = false;
        copy.error = keep(q->error);
        copy.violates = keep(q->violates);
        *r = copy;
        return r;
    }
    if (!measure(st, r, c->graph)) {
        free((char *)r->genotype);
        free((char *)r->time);
        free(r);
        st->next_id--;
        return NULL;
    }
    return r;
}

/* Appends r to the records (a malloc'd array, since proposals release the arena). */
void search_add_record(search_state *st, search_record *r)
{
    ptr_vec *v = &st->records;
    if (v->len == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 256;
        v->items = realloc(v->items, (size_t)v->cap * sizeof v->items[0]);
        NASC_ASSERT(v->items);
    }
    v->items[v->len] = r;
    table_insert(&st->by_genotype, hash_text(r->genotype), v->len);
    v->len++;
}

static int find_index(const search_state *st, const char *text)
{
    text_query q = {st, text};
    return table_find(&st->by_genotype, hash_text(text), same_text, &q);
}

/* Sets st->stop_reason when the budget, the time or the space has run out, or a signal came. */
static void check_stop(search_state *st)
{
    const search_settings *s = st->settings;
    if (st->stop_reason)
        return;
    if (stop_signal)
        st->stop_reason = stop_signal == SIGINT ? "interrupted (SIGINT)" : "stopped (SIGTERM)";
    else if (s->budget > 0 && st->charged >= s->budget)
        st->stop_reason = "the budget was reached";
    else if (s->time_budget_s > 0 && now_s() - st->start_s >= s->time_budget_s)
        st->stop_reason = "the time budget was reached";
    else if (st->space_size >= 0 && st->reached >= st->space_size)
        st->stop_reason = "every candidate of the space was evaluated";
    else if (st->repeats >= MAX_REPEATS)
        st->stop_reason = "the strategy proposed no new candidate in 1000 proposals in a row";
}

/*
 * Proposes genotype g: builds it, and returns its record, new or known.
 * *normalized receives the built genotype (malloc'd) when not NULL.
 * Returns NULL when the search stops before this candidate.
 */
static const search_record *propose(search_state *st, const sp_genotype *g,
                                    sp_genotype **normalized)
{
    if (normalized)
        *normalized = NULL;
    check_stop(st);
    if (st->stop_reason)
        return NULL;

    arena_mark_t mark = arena_mark();
    sp_candidate c;
    memset(&c, 0, sizeof c);
    bool valid = sp_build(st->space, g, &st->rng, &c);
    const sp_genotype *decided = c.genotype ? c.genotype : g;
    const char *text = sp_format(st->space, decided);
    sp_genotype *built = sp_genotype_copy(decided);

    int index = find_index(st, text);
    search_record *r = index >= 0 ? st->records.items[index] : NULL;
    if (r && r->reached) {
        st->repeats++;
    } else if (r) {
        reach(st, r, index); /* logged by the interrupted run */
    } else {
        r = evaluate_new(st, text, valid, &c);
        if (r) {
            search_add_record(st, r);
            reach(st, r, st->records.len - 1);
            append_to_log(st, r);
        }
    }
    arena_release(mark);
    sp_genotype_free(c.genotype);

    if (!r) {
        sp_genotype_free(built);
        check_stop(st);
        return NULL;
    }
    if (normalized)
        *normalized = built;
    else
        sp_genotype_free(built);
    search_progress(st, false);
    return r;
}

void search_free_state(search_state *st)
{
    for (int i = st->nlogged; i < st->records.len; i++) {
        search_record *r = st->records.items[i];
        free((char *)r->genotype);
        free((char *)r->error);
        free((char *)r->violates);
        free((char *)r->time);
        free(r);
    }
    free(st->records.items);
    free(st->by_genotype.keys);
    free(st->by_genotype.values);
    free(st->by_graph.keys);
    free(st->by_graph.values);
    memset(st, 0, sizeof *st);
}

/* ---- progress ---- */

static const char *duration_text(double s)
{
    if (s < 60)
        return arena_printf("%.0fs", s);
    if (s < 3600)
        return arena_printf("%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    return arena_printf("%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

void search_progress(search_state *st, bool final)
{
    double t = now_s();
    if (!final && !st->progress_tty && t - st->last_progress_s < PROGRESS_INTERVAL_S)
        return;
    st->last_progress_s = t;
    arena_mark_t mark = arena_mark();
    double elapsed = t - st->start_s;
    double per_minute = elapsed > 0 ? (double)st->measured / elapsed * 60 : 0;
    const search_settings *s = st->settings;

    const char *count = s->budget > 0 ? arena_printf("%ld/%ld", st->charged, s->budget)
                                      : arena_printf("%ld", st->charged);
    const char *best = "best -";
    if (st->best)
        best = arena_printf("best %s %.5g (#%d)", search_metric_name(st->first->metric),
                            search_record_metric(st->best, st->first->metric), st->best->id);
    const char *left = "";
    if (s->time_budget_s > 0)
        left = arena_printf(", %s left", duration_text(fmax(0, s->time_budget_s - elapsed)));
    else if (s->budget > 0 && per_minute > 0)
        left = arena_printf(", about %s left",
                            duration_text((double)(s->budget - st->charged) / per_minute * 60));
    const char *line = arena_printf("evaluated %s, %.1f/min, %s%s", count, per_minute, best, left);
    if (st->progress_tty) {
        /* A bar of the budget, or of the time budget, in front of the line. */
        double done = -1;
        if (s->budget > 0)
            done = (double)st->charged / (double)s->budget;
        else if (s->time_budget_s > 0)
            done = elapsed / s->time_budget_s;
        if (done >= 0) {
            enum { BAR = 24 };
            int filled = (int)(fmin(done, 1) * BAR + 0.5);
            char bar[BAR + 1];
            for (int i = 0; i < BAR; i++)
                bar[i] = i < filled ? '#' : '.';
            bar[BAR] = '\0';
            line = arena_printf("[%s] %s", bar, line);
        }
        fprintf(stderr, "\r\033[K%s%s", line, final ? "\n" : "");
    } else {
        fprintf(stderr, "%s\n", line);
    }
    arena_release(mark);
}

/* ---- strategies ---- */

static void run_random(search_state *st)
{
    while (!st->stop_reason) {
        sp_genotype *g = sp_random(st->space, &st->rng);
        propose(st, g, NULL);
        sp_genotype_free(g);
    }
}

static void run_exhaustive(search_state *st)
{
    sp_genotype *g = NULL;
    while (!st->stop_reason) {
        if (!sp_enumerate_next(st->space, &g)) {
            st->stop_reason = "every candidate of the space was evaluated";
            break;
        }
        propose(st, g, NULL);
    }
    sp_genotype_free(g);
}

/* A member of the evolving population. */
typedef struct {
    sp_genotype *genotype;
    double fitness;
} member;

/*
 * Regularized (aging) evolution (Real et al., "Regularized Evolution for
 * Image Classifier Architecture Search", AAAI 2019). The population starts
 * as P random candidates. Then each step samples S members uniformly (with
 * replacement), mutates the fittest of the sample, adds the child and
 * removes the oldest member, whatever its fitness.
 */
static void run_evolution(search_state *st)
{
    int capacity = st->settings->population;
    member *population = calloc((size_t)capacity, sizeof *population);
    NASC_ASSERT(population);
    int len = 0, oldest = 0;

    while (len < capacity && !st->stop_reason) {
        sp_genotype *g = sp_random(st->space, &st->rng);
        sp_genotype *built;
        const search_record *r = propose(st, g, &built);
        sp_genotype_free(g);
        if (r)
            population[len++] = (member){built, fitness(st, r)};
    }
    while (!st->stop_reason && len > 0) {
        int parent = sp_rng_below(&st->rng, len);
        for (int i = 1; i < st->settings->sample; i++) {
            int other = sp_rng_below(&st->rng, len);
            if (population[other].fitness > population[parent].fitness)
                parent = other;
        }
        sp_genotype *child = sp_mutate(st->space, population[parent].genotype, &st->rng);
        if (!child) {
            st->stop_reason = "no choice point has two options, so nothing can mutate";
            break;
        }
        sp_genotype *built;
        const search_record *r = propose(st, child, &built);
        sp_genotype_free(child);
        if (!r)
            break;
        /* The population is a ring: the child takes the oldest member's place. */
        sp_genotype_free(population[oldest].genotype);
        population[oldest] = (member){built, fitness(st, r)};
        oldest = (oldest + 1) % len;
    }
    for (int i = 0; i < len; i++)
        sp_genotype_free(population[i].genotype);
    free(population);
}

/*
 * Local search as studied by White et al. ("Exploring the Loss Landscape in
 * Neural Architecture Search", UAI 2021). From a random candidate it
 * evaluates every neighbour (one point changed) and moves to the best one
 * when that improves on the current candidate. At a local optimum it
 * restarts from a new random candidate.
 */
static void run_local(search_state *st)
{
    while (!st->stop_reason) {
        sp_genotype *start = sp_random(st->space, &st->rng);
        sp_genotype *current;
        const search_record *r = propose(st, start, &current);
        sp_genotype_free(start);
        if (!r)
            break;
        double current_fitness = fitness(st, r);

        for (;;) {
            sp_genotype **neighbours;
            int n = sp_neighbours(st->space, current, &neighbours);
            sp_genotype *best = NULL;
            double best_fitness = current_fitness;
            for (int i = 0; i < n; i++) {
                sp_genotype *built = NULL;
                const search_record *q = st->stop_reason ? NULL
                                                         : propose(st, neighbours[i], &built);
                if (q && fitness(st, q) > best_fitness) {
                    sp_genotype_free(best);
                    best = built;
                    best_fitness = fitness(st, q);
                } else {
                    sp_genotype_free(built);
                }
                sp_genotype_free(neighbours[i]);
            }
            free(neighbours);
            if (!best || st->stop_reason) {
                sp_genotype_free(best);
                break; /* a local optimum: restart */
            }
            sp_genotype_free(current);
            current = best;
            current_fitness = best_fitness;
        }
        sp_genotype_free(current);
    }
}

void search_run(search_state *st)
{
    const char *name = st->settings->strategy;
    st->start_s = now_s();
    st->last_progress_s = st->start_s;
    if (strcmp(name, "random") == 0)
        run_random(st);
    else if (strcmp(name, "evolution") == 0)
        run_evolution(st);
    else if (strcmp(name, "local") == 0)
        run_local(st);
    else if (strcmp(name, "exhaustive") == 0)
        run_exhaustive(st);
    else
        NASC_UNREACHABLE();
    if (!st->stop_reason)
        st->stop_reason = "the strategy ended";
    search_progress(st, true);
}
