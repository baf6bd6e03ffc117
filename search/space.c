/*
 * Search spaces: discovering choice points, counting candidates, building
 * a candidate from a genotype, and the genotype's text.
 *
 * Everything rests on one operation: evaluate the network with a decider
 * that returns each choice point's option from a genotype (build()).
 * Discovery evaluates the network in rounds in which every point takes its k-th
 * option (depth choices their deepest), until a round finds no new point;
 * a round that fails is retried point by point. Counting then follows the
 * parent links the frontend records: a point's count is the sum over its
 * options of the product of the counts of the points that option reaches,
 * and the space's count is the product over the points no decision hides.
 * Exhaustive enumeration is a depth-first walk over the same decisions,
 * replayed by evaluation: the last point in evaluation order that has a
 * next option takes it, and every later point restarts at its first.
 *
 * Points and genotypes are malloc'd, since they outlive the arena marks
 * that the searcher releases after each candidate.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "space.h"

/* Builds that discovery may spend, far above what the bundled spaces need. */
#define DISCOVERY_MAX_BUILDS 4000

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "nasc: out of memory\n");
        exit(1);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

/* ---- random numbers ---- */

uint64_t sp_rng_next(uint64_t *state)
{
    /* splitmix64 (Steele, Lea and Flood 2014): every seed, 0 included, is usable. */
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int sp_rng_below(uint64_t *state, int n)
{
    NASC_ASSERT(n > 0);
    /* Rejection keeps the draw uniform for any n. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % (uint64_t)n;
    uint64_t r;
    do
        r = sp_rng_next(state);
    while (r >= limit);
    return (int)(r % (uint64_t)n);
}

/* ---- points ---- */

static int find_point(const sp_space *s, const char *name)
{
    for (int i = 0; i < s->npoints; i++)
        if (strcmp(s->points[i].name, name) == 0)
            return i;
    return -1;
}

static int add_point(sp_space *s, const fe_choice *c)
{
    if (s->npoints == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        sp_point *grown = xmalloc(sizeof *grown * (size_t)s->cap);
        if (s->npoints)
            memcpy(grown, s->points, sizeof *grown * (size_t)s->npoints);
        free(s->points);
        s->points = grown;
    }
    sp_point *p = &s->points[s->npoints];
    memset(p, 0, sizeof *p);
    p->name = xstrdup(c->name);
    p->kind = c->kind;
    p->shared = c->shared;
    p->noptions = c->noptions;
    p->labels = xmalloc(sizeof(char *) * (size_t)c->noptions);
    for (int i = 0; i < c->noptions; i++)
        p->labels[i] = xstrdup(c->labels[i]);
    if (c->depths) {
        p->depths = xmalloc(sizeof(int64_t) * (size_t)c->noptions);
        memcpy(p->depths, c->depths, sizeof(int64_t) * (size_t)c->noptions);
    }
    p->loc = c->loc;
    p->parent = c->parent ? find_point(s, c->parent) : -1;
    p->parent_option = c->parent_option;
    p->parent_iteration = c->parent_iteration;
    return s->npoints++;
}

/* The option of a depth choice with the most repeats: it reaches every block. */
static int deepest(const sp_point *p)
{
    int best = 0;
    for (int i = 1; i < p->noptions; i++)
        if (p->depths[i] > p->depths[best])
            best = i;
    return best;
}

/* ---- building ---- */

typedef enum {
    MODE_GENOTYPE, /* unset points: random with rng, else an error */
    MODE_FIRST,    /* unset points take option 0 (enumeration) */
    MODE_ROUND,    /* discovery: option `round`, depth choices their deepest */
} build_mode;

typedef struct {
    fe_decider base;
    sp_space *space;
    const sp_genotype *g;
    uint64_t *rng;
    build_mode mode;
    int round;
    int forced_point;  /* discovery: this point takes forced_option */
    int forced_option;
    int *taken;        /* per point, or -1 */
    int taken_cap;
    int *order;        /* points in the order evaluation reached them */
    int norder;
    const char *missing; /* MODE_GENOTYPE without rng: a point the genotype leaves unset */
    int new_points;
} decider;

static int decide(fe_decider *base, const fe_choice *c)
{
    decider *d = (decider *)base;
    sp_space *s = d->space;
    int p = find_point(s, c->name);
    if (p < 0) {
        p = add_point(s, c);
        d->new_points++;
    }
    const sp_point *pt = &s->points[p];
    if (p >= d->taken_cap) {
        int cap = d->taken_cap;
        while (cap <= p)
            cap = cap ? 2 * cap : 64;
        int *grown = xmalloc(sizeof(int) * (size_t)cap);
        for (int i = 0; i < cap; i++)
            grown[i] = i < d->taken_cap ? d->taken[i] : -1;
        int *order = xmalloc(sizeof(int) * (size_t)cap);
        if (d->norder)
            memcpy(order, d->order, sizeof(int) * (size_t)d->norder);
        free(d->taken);
        free(d->order);
        d->taken = grown;
        d->order = order;
        d->taken_cap = cap;
    }

    int option = -1;
    if (d->mode == MODE_ROUND) {
        if (p == d->forced_point)
            option = d->forced_option;
        else if (c->kind == FE_CHOICE_DEPTH)
            option = deepest(pt);
        else
            option = d->round % c->noptions;
    } else {
        if (d->g && p < d->g->npoints && d->g->option[p] >= 0)
            option = d->g->option[p];
        else if (d->rng)
            option = sp_rng_below(d->rng, c->noptions);
        else if (d->mode == MODE_FIRST)
            option = 0;
        else {
            if (!d->missing)
                d->missing = pt->name;
            option = 0;
        }
    }
    if (option >= c->noptions)
        option = c->noptions - 1;
    d->taken[p] = option;
    d->order[d->norder++] = p;
    return option;
}

static void decider_init(decider *d, sp_space *s, build_mode mode)
{
    memset(d, 0, sizeof *d);
    d->base.decide = decide;
    d->space = s;
    d->mode = mode;
    d->forced_point = -1;
}

static void decider_free(decider *d)
{
    free(d->taken);
    free(d->order);
}

/* Evaluates the network with decider d; quiet. The error, one line, in *error. */
static ir_graph *build(sp_space *s, decider *d, const char **error)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    NASC_ASSERT(mem);
    int errors_before = diag_error_count();
    diag_set_output(mem);
    ir_graph *g = fe_build_decided(s->prog, s->network, s->overrides, &d->base);
    diag_set_output(stderr);
    fclose(mem);
    bool failed = !g || diag_error_count() > errors_before;
    diag_forget_errors(errors_before);
    if (failed && error) {
        /* The first line of the first diagnostic, without the file prefix's path. */
        const char *msg = text ? text : "";
        const char *at = strstr(msg, "error: ");
        const char *start = at ? at + 7 : msg;
        size_t n = strcspn(start, "\n");
        *error = arena_strndup(start, n);
    }
    free(text);
    return failed ? NULL : g;
}

static sp_genotype *genotype_from_taken(const sp_space *s, const decider *d)
{
    sp_genotype *g = sp_genotype_new(s);
    for (int i = 0; i < s->npoints && i < d->taken_cap; i++)
        g->option[i] = d->taken[i];
    return g;
}

bool sp_build(sp_space *s, const sp_genotype *g, uint64_t *rng, sp_candidate *out)
{
    decider d;
    decider_init(&d, s, MODE_GENOTYPE);
    d.g = g;
    d.rng = rng;
    memset(out, 0, sizeof *out);
    const char *error = NULL;
    ir_graph *graph = build(s, &d, &error);
    if (graph && d.missing) {
        error = arena_printf("the genotype gives no option for choice point '%s'", d.missing);
        graph = NULL;
    }
    out->graph = graph;
    out->error = graph ? NULL : (error ? error : "invalid candidate");
    out->genotype = genotype_from_taken(s, &d);
    decider_free(&d);
    return graph != NULL;
}

/* ---- discovery ---- */

static void collect_directives(sp_space *s)
{
    for (const ast_stmt *st = s->network->body; st; st = st->next) {
        if (st->kind != ST_DIRECTIVE)
            continue;
        sp_directive *dir = arena_alloc(sizeof *dir);
        dir->text = st->value->s;
        dir->loc = st->value->loc;
        if (strcmp(st->var, "genotype") == 0) {
            if (s->format)
                diag_error(st->loc, "network '%s' has two genotype templates", s->network->name);
            s->format = dir->text;
            s->format_loc = dir->loc;
        } else if (strcmp(st->var, "constraint") == 0) {
            vec_push(&s->constraints, dir);
        } else {
            vec_push(&s->objectives, dir);
        }
    }
}

/* Checks the template's placeholders: each names a point, and is closed. */
static bool check_format(const sp_space *s)
{
    const char *t = s->format;
    for (const char *c = t; *c; c++) {
        if (*c != '{')
            continue;
        const char *end = strchr(c, '}');
        if (!end) {
            diag_error(s->format_loc, "the genotype template has a '{' without its '}'");
            return false;
        }
        char *name = arena_strndup(c + 1, (size_t)(end - c - 1));
        if (find_point(s, name) < 0) {
            diag_error(s->format_loc, "the genotype template names '%s', which is no choice point "
                                      "of network '%s'", name, s->network->name);
            return false;
        }
        c = end;
    }
    return true;
}

sp_space *sp_open(const fe_program *p, const ast_decl *network, const ptr_vec *overrides)
{
    sp_space *s = arena_alloc(sizeof *s);
    s->prog = p;
    s->network = network;
    s->overrides = overrides;
    collect_directives(s);
    if (diag_error_count())
        return NULL;

    int builds = 0;
    bool any_valid = false;
    const char *first_error = NULL;
    int max_options = 1;
    for (int round = 0; round < max_options && builds < DISCOVERY_MAX_BUILDS; round++) {
        decider d;
        decider_init(&d, s, MODE_ROUND);
        d.round = round;
        const char *error = NULL;
        arena_mark_t mark = arena_mark();
        bool ok = build(s, &d, &error) != NULL;
        if (!ok && !first_error)
            first_error = xstrdup(error ? error : "invalid");
        arena_release(mark);
        builds++;
        any_valid |= ok;
        int before = s->npoints - d.new_points;
        decider_free(&d);
        for (int i = 0; i < s->npoints; i++)
            if (s->points[i].noptions > max_options)
                max_options = s->points[i].noptions;
        if (!ok) {
            /* Some combination fails: try each option of each point alone. */
            for (int pt = 0; pt < s->npoints && builds < DISCOVERY_MAX_BUILDS; pt++) {
                for (int o = 0; o < s->points[pt].noptions && builds < DISCOVERY_MAX_BUILDS; o++) {
                    decider one;
                    decider_init(&one, s, MODE_ROUND);
                    one.round = 0;
                    one.forced_point = pt;
                    one.forced_option = o;
                    mark = arena_mark();
                    any_valid |= build(s, &one, NULL) != NULL;
                    arena_release(mark);
                    decider_free(&one);
                    builds++;
                }
            }
        }
        if (s->npoints > before && round + 1 >= max_options)
            max_options = round + 2; /* new points: one more round covers them */
    }
    if (!any_valid) {
        /* Build the first candidate again, so its error shows where it is. */
        decider d;
        decider_init(&d, s, MODE_ROUND);
        int errors_before = diag_error_count();
        arena_mark_t mark = arena_mark();
        bool built = fe_build_decided(p, network, overrides, &d.base) != NULL;
        arena_release(mark);
        decider_free(&d);
        if (built || diag_error_count() == errors_before)
            diag_error(network->loc, "no candidate of network '%s' is valid; the first error: %s",
                       network->name, first_error ? first_error : "unknown");
        else
            diag_note(network->loc, "every candidate of network '%s' tried fails; this is the "
                                    "first", network->name);
    }
    free((char *)first_error);
    if (!any_valid || (s->format && !check_format(s))) {
        sp_close(s);
        return NULL;
    }
    return s;
}

void sp_close(sp_space *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->npoints; i++) {
        sp_point *p = &s->points[i];
        free((char *)p->name);
        for (int k = 0; k < p->noptions; k++)
            free((char *)p->labels[k]);
        free(p->labels);
        free(p->depths);
    }
    free(s->points);
    s->points = NULL;
    s->npoints = s->cap = 0;
}

/* ---- counting ---- */

/* Unsigned big integers in base 10^9, least significant limb first. */
typedef struct {
    int n;
    uint32_t *d;
} big;

#define BIG_BASE 1000000000u

static big big_from(uint64_t v)
{
    big b = {0, xmalloc(sizeof(uint32_t) * 3)};
    do {
        b.d[b.n++] = (uint32_t)(v % BIG_BASE);
        v /= BIG_BASE;
    } while (v);
    return b;
}

static big big_mul(big a, big b)
{
    big r = {a.n + b.n, xmalloc(sizeof(uint32_t) * (size_t)(a.n + b.n))};
    uint64_t *acc = calloc((size_t)r.n + 1, sizeof(uint64_t));
    NASC_ASSERT(acc);
    for (int i = 0; i < a.n; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < b.n; j++) {
            uint64_t cur = acc[i + j] + (uint64_t)a.d[i] * b.d[j] + carry;
            acc[i + j] = cur % BIG_BASE;
            carry = cur / BIG_BASE;
        }
        acc[i + b.n] += carry;
    }
    for (int i = 0; i < r.n; i++)
        r.d[i] = (uint32_t)acc[i];
    free(acc);
    while (r.n > 1 && r.d[r.n - 1] == 0)
        r.n--;
    return r;
}

static big big_add(big a, big b)
{
    int n = (a.n > b.n ? a.n : b.n) + 1;
    big r = {n, xmalloc(sizeof(uint32_t) * (size_t)n)};
    uint32_t carry = 0;
    for (int i = 0; i < n; i++) {
        uint32_t x = (i < a.n ? a.d[i] : 0) + (i < b.n ? b.d[i] : 0) + carry;
        carry = x >= BIG_BASE;
        r.d[i] = x - (carry ? BIG_BASE : 0);
    }
    while (r.n > 1 && r.d[r.n - 1] == 0)
        r.n--;
    return r;
}

static const char *big_text(big b)
{
    const char *t = arena_printf("%u", b.d[b.n - 1]);
    for (int i = b.n - 2; i >= 0; i--)
        t = arena_printf("%s%09u", t, b.d[i]);
    return t;
}

static bool reached_under(const sp_point *child, const sp_point *parent, int option)
{
    if (child->parent_option >= 0)
        return child->parent_option == option;
    if (child->parent_iteration >= 0)
        return parent->depths && child->parent_iteration < parent->depths[option];
    return true;
}

/* The number of distinct decisions below point i, and its log10. */
static big count_point(const sp_space *s, int i, double *log10_out)
{
    const sp_point *p = &s->points[i];
    big total = big_from(0);
    double log_total = -INFINITY;
    for (int o = 0; o < p->noptions; o++) {
        big prod = big_from(1);
        double log_prod = 0;
        for (int c = i + 1; c < s->npoints; c++) {
            const sp_point *child = &s->points[c];
            if (child->parent != i || !reached_under(child, p, o))
                continue;
            double l;
            big sub = count_point(s, c, &l);
            big next = big_mul(prod, sub);
            free(prod.d);
            free(sub.d);
            prod = next;
            log_prod += l;
        }
        big next = big_add(total, prod);
        free(total.d);
        free(prod.d);
        total = next;
        double hi = fmax(log_total, log_prod), lo = fmin(log_total, log_prod);
        log_total = isinf(lo) ? hi : hi + log10(1 + pow(10, lo - hi));
    }
    *log10_out = log_total;
    return total;
}

static big count_space(const sp_space *s, double *log10_out)
{
    big total = big_from(1);
    double log_total = 0;
    for (int i = 0; i < s->npoints; i++) {
        if (s->points[i].parent >= 0)
            continue;
        double l;
        big sub = count_point(s, i, &l);
        big next = big_mul(total, sub);
        free(total.d);
        free(sub.d);
        total = next;
        log_total += l;
    }
    *log10_out = log_total;
    return total;
}

const char *sp_size_text(const sp_space *s)
{
    double l;
    big b = count_space(s, &l);
    const char *t = big_text(b);
    free(b.d);
    return t;
}

double sp_size_log10(const sp_space *s)
{
    double l;
    big b = count_space(s, &l);
    free(b.d);
    return l;
}

/* ---- genotypes ---- */

sp_genotype *sp_genotype_new(const sp_space *s)
{
    sp_genotype *g = xmalloc(sizeof *g);
    g->npoints = s->npoints;
    g->option = xmalloc(sizeof(int) * (size_t)(s->npoints ? s->npoints : 1));
    for (int i = 0; i < s->npoints; i++)
        g->option[i] = -1;
    return g;
}

sp_genotype *sp_genotype_copy(const sp_genotype *g)
{
    sp_genotype *c = xmalloc(sizeof *c);
    c->npoints = g->npoints;
    c->option = xmalloc(sizeof(int) * (size_t)(g->npoints ? g->npoints : 1));
    if (g->npoints)
        memcpy(c->option, g->option, sizeof(int) * (size_t)g->npoints);
    return c;
}

void sp_genotype_free(sp_genotype *g)
{
    if (!g)
        return;
    free(g->option);
    free(g);
}

bool sp_genotype_equal(const sp_genotype *a, const sp_genotype *b)
{
    int n = a->npoints > b->npoints ? a->npoints : b->npoints;
    for (int i = 0; i < n; i++) {
        int x = i < a->npoints ? a->option[i] : -1;
        int y = i < b->npoints ? b->option[i] : -1;
        if (x != y)
            return false;
    }
    return true;
}

sp_genotype *sp_random(const sp_space *s, uint64_t *rng)
{
    sp_genotype *g = sp_genotype_new(s);
    for (int i = 0; i < s->npoints; i++)
        g->option[i] = sp_rng_below(rng, s->points[i].noptions);
    return g;
}

static bool active(const sp_genotype *g, int i)
{
    return i < g->npoints && g->option[i] >= 0;
}

sp_genotype *sp_mutate(const sp_space *s, const sp_genotype *parent, uint64_t *rng)
{
    int candidates = 0;
    for (int i = 0; i < s->npoints; i++)
        candidates += active(parent, i) && s->points[i].noptions > 1;
    if (candidates == 0)
        return NULL;
    int pick = sp_rng_below(rng, candidates);
    int point = -1;
    for (int i = 0; i < s->npoints && point < 0; i++)
        if (active(parent, i) && s->points[i].noptions > 1 && pick-- == 0)
            point = i;
    sp_genotype *child = sp_genotype_new(s);
    for (int i = 0; i < parent->npoints && i < s->npoints; i++)
        child->option[i] = parent->option[i];
    int other = sp_rng_below(rng, s->points[point].noptions - 1);
    child->option[point] = other >= parent->option[point] ? other + 1 : other;
    return child;
}

int sp_neighbours(const sp_space *s, const sp_genotype *parent, sp_genotype ***out)
{
    int n = 0;
    for (int i = 0; i < s->npoints; i++)
        if (active(parent, i))
            n += s->points[i].noptions - 1;
    sp_genotype **list = xmalloc(sizeof *list * (size_t)(n ? n : 1));
    int k = 0;
    for (int i = 0; i < s->npoints; i++) {
        if (!active(parent, i))
            continue;
        for (int o = 0; o < s->points[i].noptions; o++) {
            if (o == parent->option[i])
                continue;
            sp_genotype *child = sp_genotype_new(s);
            for (int j = 0; j < parent->npoints && j < s->npoints; j++)
                child->option[j] = parent->option[j];
            child->option[i] = o;
            list[k++] = child;
        }
    }
    *out = list;
    return k;
}

bool sp_enumerate_next(sp_space *s, sp_genotype **g)
{
    arena_mark_t mark = arena_mark();
    decider d;
    decider_init(&d, s, MODE_FIRST);
    if (!*g) {
        build(s, &d, NULL);
        *g = genotype_from_taken(s, &d);
        decider_free(&d);
        arena_release(mark);
        return true;
    }
    /* Replay *g for its evaluation order. */
    d.g = *g;
    build(s, &d, NULL);
    arena_release(mark);
    int *order = d.order;
    int norder = d.norder;
    for (int k = norder - 1; k >= 0; k--) {
        int p = order[k];
        if (d.taken[p] + 1 >= s->points[p].noptions)
            continue;
        sp_genotype *next = sp_genotype_new(s);
        for (int j = 0; j < k; j++)
            next->option[order[j]] = d.taken[order[j]];
        next->option[p] = d.taken[p] + 1;
        decider e;
        decider_init(&e, s, MODE_FIRST);
        e.g = next;
        build(s, &e, NULL);
        arena_release(mark);
        sp_genotype_free(next);
        sp_genotype_free(*g);
        *g = genotype_from_taken(s, &e);
        decider_free(&e);
        decider_free(&d);
        return true;
    }
    decider_free(&d);
    sp_genotype_free(*g);
    *g = NULL;
    return false;
}

/* ---- text ---- */

const char *sp_format(const sp_space *s, const sp_genotype *g)
{
    if (s->format) {
        const char *out = "";
        for (const char *c = s->format; *c; c++) {
            const char *end = *c == '{' ? strchr(c, '}') : NULL;
            if (!end) {
                out = arena_printf("%s%c", out, *c);
                continue;
            }
            int p = find_point(s, arena_strndup(c + 1, (size_t)(end - c - 1)));
            bool on = p >= 0 && active(g, p);
            out = arena_printf("%s%s", out, on ? s->points[p].labels[g->option[p]] : "-");
            c = end;
        }
        return out;
    }
    const char *out = "";
    bool first = true;
    for (int i = 0; i < s->npoints; i++) {
        if (!active(g, i))
            continue;
        out = arena_printf("%s%s%s=%s", out, first ? "" : ",", s->points[i].name,
                           s->points[i].labels[g->option[i]]);
        first = false;
    }
    return out;
}

static int find_label(const sp_point *p, const char *label, size_t len)
{
    for (int i = 0; i < p->noptions; i++)
        if (strlen(p->labels[i]) == len && strncmp(p->labels[i], label, len) == 0)
            return i;
    return -1;
}

/* Matches text against the template from t; fills g. Backtracks over labels. */
static bool match_format(const sp_space *s, const char *t, const char *text, sp_genotype *g)
{
    while (*t && *t != '{') {
        if (*t != *text)
            return false;
        t++;
        text++;
    }
    if (!*t)
        return !*text;
    const char *end = strchr(t, '}');
    int p = find_point(s, arena_strndup(t + 1, (size_t)(end - t - 1)));
    const sp_point *pt = &s->points[p];
    for (int i = 0; i < pt->noptions; i++) {
        size_t n = strlen(pt->labels[i]);
        if (strncmp(text, pt->labels[i], n) != 0)
            continue;
        if (g->option[p] >= 0 && g->option[p] != i)
            continue;
        int saved = g->option[p];
        g->option[p] = i;
        if (match_format(s, end + 1, text + n, g))
            return true;
        g->option[p] = saved;
    }
    return false;
}

static const char *labels_list(const sp_point *p)
{
    const char *out = "";
    for (int i = 0; i < p->noptions && i < 12; i++)
        out = arena_printf("%s%s%s", out, i ? ", " : "", p->labels[i]);
    if (p->noptions > 12)
        out = arena_printf("%s, ... (%d in all)", out, p->noptions);
    return out;
}

/* Why text does not match the template: the first place a greedy match fails. */
static const char *format_mismatch(const sp_space *s, const char *text)
{
    const char *t = s->format, *x = text;
    while (*t) {
        if (*t != '{') {
            if (*t != *x)
                return *x ? arena_printf("'%s' has '%c' where the template has '%c', at "
                                         "character %d", text, *x, *t, (int)(x - text) + 1)
                          : arena_printf("'%s' ends where the template goes on with '%s'",
                                         text, t);
            t++;
            x++;
            continue;
        }
        if (!*x)
            return arena_printf("'%s' ends where the template goes on with '%s'", text, t);
        const char *end = strchr(t, '}');
        const sp_point *p = &s->points[find_point(s, arena_strndup(t + 1, (size_t)(end - t - 1)))];
        size_t best = 0;
        for (int i = 0; i < p->noptions; i++) {
            size_t n = strlen(p->labels[i]);
            if (n > best && strncmp(x, p->labels[i], n) == 0)
                best = n;
        }
        if (best == 0) {
            size_t n = strcspn(x, end[1] ? (char[]){end[1], '\0'} : "");
            return arena_printf("'%.*s', at character %d of '%s', is no option of choice point "
                                "'%s' (its options: %s)", (int)n, x, (int)(x - text) + 1, text,
                                p->name, labels_list(p));
        }
        x += best;
        t = end + 1;
    }
    return arena_printf("'%s' goes on after the end of the template", text);
}

sp_genotype *sp_parse(const sp_space *s, const char *text, const char **error)
{
    sp_genotype *g = sp_genotype_new(s);
    bool templated = s->format && !strchr(text, '=');
    if (templated) {
        if (!match_format(s, s->format, text, g)) {
            *error = arena_printf("%s; the genotype template of network '%s' is '%s'",
                                  format_mismatch(s, text), s->network->name, s->format);
            sp_genotype_free(g);
            return NULL;
        }
        return g;
    }
    const char *c = text;
    while (*c) {
        size_t n = strcspn(c, ",");
        const char *item = arena_strndup(c, n);
        const char *eq = strchr(item, '=');
        if (!eq) {
            *error = arena_printf("'%s' is not NAME=LABEL", item);
            sp_genotype_free(g);
            return NULL;
        }
        const char *name = arena_strndup(item, (size_t)(eq - item));
        int p = find_point(s, name);
        if (p < 0) {
            *error = arena_printf("network '%s' has no choice point '%s'", s->network->name, name);
            sp_genotype_free(g);
            return NULL;
        }
        int o = find_label(&s->points[p], eq + 1, strlen(eq + 1));
        if (o < 0) {
            *error = arena_printf("choice point '%s' has no option '%s' (its options: %s)", name,
                                  eq + 1, labels_list(&s->points[p]));
            sp_genotype_free(g);
            return NULL;
        }
        if (g->option[p] >= 0) {
            *error = arena_printf("choice point '%s' is given twice", name);
            sp_genotype_free(g);
            return NULL;
        }
        g->option[p] = o;
        c += n;
        if (*c == ',')
            c++;
    }
    return g;
}

/* ---- isomorphism ---- */

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Ops whose output is zero when every input is. */
static bool keeps_zero(const ir_node *n)
{
    switch (n->op) {
    case IR_RELU: case IR_RELU6: case IR_HARDSWISH: case IR_DROPOUT: case IR_MAXPOOL:
    case IR_AVGPOOL: case IR_GLOBAL_AVGPOOL: case IR_SPLIT: case IR_SHUFFLE: case IR_FLATTEN:
    case IR_IDENTITY: case IR_ZERO: case IR_ADD:
        return true;
    case IR_CONV:
        return !n->attr.conv.bias;
    case IR_LINEAR:
        return !n->attr.linear.bias;
    case IR_MUL:
        return true; /* zero times anything */
    default:
        return false;
    }
}

uint64_t sp_graph_hash(const ir_graph *g)
{
    uint64_t *h = calloc((size_t)g->nnodes, sizeof(uint64_t));
    bool *zero = calloc((size_t)g->nnodes, sizeof(bool));
    uint64_t *operands = calloc((size_t)g->nnodes + 1, sizeof(uint64_t));
    NASC_ASSERT(h && zero && operands);
    for (int i = 0; i < g->nnodes; i++) {
        const ir_node *n = &g->nodes[i];
        uint64_t v = mix(0x6e617363ull, (uint64_t)n->op);
        v = mix(v, (uint64_t)n->shape.c);
        v = mix(v, (uint64_t)n->shape.h);
        v = mix(v, (uint64_t)n->shape.w);
        if (n->op == IR_ZERO) {
            zero[i] = true;
            h[i] = mix(0x7a65726full, (uint64_t)n->shape.c * 1000003u + (uint64_t)n->shape.h);
            continue;
        }
        bool all_zero = n->ninputs > 0;
        for (int k = 0; k < n->ninputs; k++)
            all_zero &= zero[n->inputs[k]];
        if (n->op == IR_MUL && n->ninputs == 2)
            all_zero = zero[n->inputs[0]] || zero[n->inputs[1]];
        if (all_zero && keeps_zero(n)) {
            zero[i] = true;
            h[i] = mix(0x7a65726full, (uint64_t)n->shape.c * 1000003u + (uint64_t)n->shape.h);
            continue;
        }
        switch (n->op) {
        case IR_CONV:
            v = mix(v, (uint64_t)n->attr.conv.groups);
            v = mix(v, (uint64_t)n->attr.conv.bias);
            v = mix(v, (uint64_t)n->attr.conv.win.kh * 131 + (uint64_t)n->attr.conv.win.kw);
            v = mix(v, (uint64_t)n->attr.conv.win.sh * 131 + (uint64_t)n->attr.conv.win.sw);
            v = mix(v, (uint64_t)n->attr.conv.win.ph * 131 + (uint64_t)n->attr.conv.win.pw);
            v = mix(v, (uint64_t)n->attr.conv.win.dh * 131 + (uint64_t)n->attr.conv.win.dw);
            break;
        case IR_LINEAR:
            v = mix(v, (uint64_t)n->attr.linear.bias);
            break;
        case IR_BN: {
            uint64_t bits;
            memcpy(&bits, &n->attr.bn.eps, sizeof bits);
            v = mix(v, bits);
            break;
        }
        case IR_MAXPOOL:
        case IR_AVGPOOL:
            v = mix(v, (uint64_t)n->attr.pool.win.kh * 131 + (uint64_t)n->attr.pool.win.kw);
            v = mix(v, (uint64_t)n->attr.pool.win.sh * 131 + (uint64_t)n->attr.pool.win.sw);
            v = mix(v, (uint64_t)n->attr.pool.win.ph * 131 + (uint64_t)n->attr.pool.win.pw);
            v = mix(v, (uint64_t)n->attr.pool.ceil_mode * 2 + n->attr.pool.count_include_pad);
            break;
        case IR_SPLIT:
            v = mix(v, (uint64_t)n->attr.split.start);
            break;
        case IR_SHUFFLE:
            v = mix(v, (uint64_t)n->attr.shuffle.groups);
            break;
        default:
            break;
        }
        /* Identity and dropout are nothing at inference. */
        if (n->op == IR_IDENTITY || n->op == IR_DROPOUT) {
            h[i] = h[n->inputs[0]];
            zero[i] = zero[n->inputs[0]];
            continue;
        }
        int m = 0;
        for (int k = 0; k < n->ninputs; k++) {
            int in = n->inputs[k];
            if (n->op == IR_ADD && zero[in])
                continue; /* x + 0 is x */
            operands[m++] = h[in];
        }
        if (n->op == IR_ADD && m == 1) {
            h[i] = operands[0];
            continue;
        }
        if (n->op == IR_ADD || n->op == IR_MUL)
            qsort(operands, (size_t)m, sizeof(uint64_t), compare_u64);
        for (int k = 0; k < m; k++)
            v = mix(v, operands[k]);
        h[i] = v;
    }
    uint64_t out = mix(0, (uint64_t)g->noutputs);
    for (int k = 0; k < g->noutputs; k++)
        out = mix(out, h[g->outputs[k]]);
    free(h);
    free(zero);
    free(operands);
    return out;
}

/* ---- reports ---- */

static const char *kind_name(const sp_point *p)
{
    switch (p->kind) {
    case FE_CHOICE_ONE:
        return "choice";
    case FE_CHOICE_PICK:
        return "pick";
    case FE_CHOICE_DEPTH:
        return "depth";
    }
    NASC_UNREACHABLE();
}

/* "when depth > 2", "when op = conv": the decision that reaches point p. */
static const char *condition(const sp_space *s, const sp_point *p)
{
    if (p->parent < 0)
        return "";
    const sp_point *parent = &s->points[p->parent];
    if (p->parent_option >= 0)
        return arena_printf("when %s = %s", parent->name, parent->labels[p->parent_option]);
    return arena_printf("when %s > %d", parent->name, p->parent_iteration);
}

/* Digits in groups of three: 15625 -> 15,625. */
static const char *grouped(const char *digits)
{
    size_t n = strlen(digits);
    const char *out = "";
    for (size_t i = 0; i < n; i++)
        out = arena_printf("%s%s%c", out, i && (n - i) % 3 == 0 ? "," : "", digits[i]);
    return out;
}

void sp_print(FILE *f, const sp_space *s)
{
    double l = sp_size_log10(s);
    fprintf(f, "network %s: %d choice point%s, %s candidate%s", s->network->name, s->npoints,
            s->npoints == 1 ? "" : "s", grouped(sp_size_text(s)), l == 0 ? "" : "s");
    if (l >= 6)
        fprintf(f, " (about 10^%.1f)", l);
    fprintf(f, "\n");
    if (s->format)
        fprintf(f, "genotype template: %s\n", s->format);
    if (s->npoints == 0)
        return;
    int width = 5;
    for (int i = 0; i < s->npoints; i++)
        if ((int)strlen(s->points[i].name) > width)
            width = (int)strlen(s->points[i].name);
    fprintf(f, "\n%-*s  %-6s  %-6s  %s\n", width, "point", "kind", "shared", "options");
    for (int i = 0; i < s->npoints; i++) {
        const sp_point *p = &s->points[i];
        const char *when = condition(s, p);
        fprintf(f, "%-*s  %-6s  %-6s  %s%s%s%s\n", width, p->name, kind_name(p),
                p->shared ? "yes" : "no", labels_list(p), when[0] ? " (" : "", when,
                when[0] ? ")" : "");
    }
}
