/*
 * `nasc report DIR`, and the ranking shared with `nasc search`: fitness
 * under the first objective and the Pareto front over all objectives.
 *
 * The report reads only DIR/search.json and DIR/log.jsonl, so it works on
 * a finished search and on one that is still running (a line being
 * written at that moment is ignored).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "search.h"

double search_fitness(const search_record *r, const search_objective *first)
{
    if (!search_record_feasible(r))
        return -INFINITY;
    double v = search_record_metric(r, first->metric);
    if (isnan(v))
        return -INFINITY;
    return first->maximize ? v : -v;
}

/* The axes of the Pareto front: the objectives, and latency when measured. */
static int pareto_axes(const search_settings *s, search_objective *axes)
{
    int n = 0;
    bool has_latency = false;
    for (int i = 0; i < s->objectives.len && n < METRIC_COUNT; i++) {
        axes[n] = *(search_objective *)s->objectives.items[i];
        has_latency |= axes[n].metric == METRIC_LATENCY;
        n++;
    }
    if (s->latency && !has_latency && n < METRIC_COUNT + 1)
        axes[n++] = (search_objective){METRIC_LATENCY, false, "minimize latency"};
    return n;
}

/* True when a is at least as good as b on every axis and better on one. */
static bool dominates(const search_record *a, const search_record *b,
                      const search_objective *axes, int naxes)
{
    bool better = false;
    for (int i = 0; i < naxes; i++) {
        double x = search_record_metric(a, axes[i].metric);
        double y = search_record_metric(b, axes[i].metric);
        if (!axes[i].maximize) {
            x = -x;
            y = -y;
        }
        if (x < y)
            return false;
        better |= x > y;
    }
    return better;
}

static const search_objective *sort_objective;

static int by_fitness(const void *a, const void *b)
{
    const search_record *x = *(search_record *const *)a, *y = *(search_record *const *)b;
    double fx = search_fitness(x, sort_objective), fy = search_fitness(y, sort_objective);
    if (fx != fy)
        return fx > fy ? -1 : 1;
    return x->id - y->id;
}

static void sort_by_fitness(ptr_vec *v, const search_settings *s)
{
    if (s->objectives.len == 0 || v->len < 2)
        return;
    sort_objective = s->objectives.items[0];
    qsort(v->items, (size_t)v->len, sizeof v->items[0], by_fitness);
}

/*
 * Feasible and measured on every axis with a finite value: a NASWOT score
 * of -inf (a singular kernel, as for a network whose output is constant)
 * is logged as null and must rank the same after --resume.
 */
static bool rankable(const search_record *r, const search_objective *axes, int naxes)
{
    if (!search_record_feasible(r))
        return false;
    for (int i = 0; i < naxes; i++)
        if (!isfinite(search_record_metric(r, axes[i].metric)))
            return false;
    return true;
}

ptr_vec search_pareto(const ptr_vec *records, const search_settings *s)
{
    search_objective axes[METRIC_COUNT + 1];
    int naxes = pareto_axes(s, axes);
    ptr_vec front = {0};
    for (int i = 0; i < records->len; i++) {
        const search_record *r = records->items[i];
        if (!rankable(r, axes, naxes))
            continue;
        bool dominated = false;
        for (int j = 0; j < records->len && !dominated; j++) {
            const search_record *q = records->items[j];
            dominated = j != i && rankable(q, axes, naxes) && dominates(q, r, axes, naxes);
        }
        if (!dominated)
            vec_push(&front, (void *)r);
    }
    sort_by_fitness(&front, s);
    return front;
}

static void print_value(FILE *f, search_metric m, double v)
{
    if (isnan(v))
        fprintf(f, " %12s", "-");
    else if (m == METRIC_LATENCY)
        fprintf(f, " %12.4f", v);
    else if (m == METRIC_PARAMS || m == METRIC_MACS || m == METRIC_PEAK_MEMORY)
        fprintf(f, " %12.0f", v);
    else
        fprintf(f, " %12.4g", v);
}

/* Maximum width of the genotype column, so that a row fits a wide terminal. */
#define GENOTYPE_COLUMN_MAX 96

void search_print_table(FILE *f, const ptr_vec *records, const search_settings *s)
{
    search_objective axes[METRIC_COUNT + 2];
    int naxes = pareto_axes(s, axes);
    bool has_params = false;
    for (int i = 0; i < naxes; i++)
        has_params |= axes[i].metric == METRIC_PARAMS;
    if (!has_params)
        axes[naxes++] = (search_objective){METRIC_PARAMS, false, "params"};

    /* The column is as wide as the longest genotype, up to the maximum. */
    int width = (int)strlen("genotype");
    for (int i = 0; i < records->len; i++) {
        int len = (int)strlen(((const search_record *)records->items[i])->genotype);
        if (len > width)
            width = len < GENOTYPE_COLUMN_MAX ? len : GENOTYPE_COLUMN_MAX;
    }
    fprintf(f, "%5s  %-*s", "id", width, "genotype");
    for (int i = 0; i < naxes; i++) {
        const char *name = search_metric_name(axes[i].metric);
        fprintf(f, " %12s", axes[i].metric == METRIC_LATENCY ? "latency_ms" : name);
    }
    fprintf(f, "\n");
    for (int i = 0; i < records->len; i++) {
        const search_record *r = records->items[i];
        if ((int)strlen(r->genotype) <= width)
            fprintf(f, "%5d  %-*s", r->id, width, r->genotype);
        else
            fprintf(f, "%5d  %.*s...", r->id, width - 3, r->genotype);
        for (int a = 0; a < naxes; a++)
            print_value(f, axes[a].metric, search_record_metric(r, axes[a].metric));
        fprintf(f, "\n");
    }
}

const char report_help_details[] =
    "Reads DIR/search.json and DIR/log.jsonl of a finished or running search and\n"
    "prints the number of candidates by status, the failures by kind with one\n"
    "example error each, the best candidates by the first objective, and the\n"
    "Pareto front.\n"
    "\n"
    "  --top N   how many of the best candidates to list (default 10)\n";

/* Prints the failures of one status: their count and the first error. */
static void print_failures(const ptr_vec *records)
{
    static const char *const failures[] = {"invalid", "pruned", "compile_error", "crash",
                                           "timeout", "score_error"};
    bool header = false;
    for (size_t k = 0; k < sizeof failures / sizeof failures[0]; k++) {
        int count = 0;
        const search_record *example = NULL;
        for (int i = 0; i < records->len; i++) {
            const search_record *r = records->items[i];
            if (strcmp(r->status, failures[k]) == 0) {
                count++;
                if (!example)
                    example = r;
            }
        }
        if (!count)
            continue;
        if (!header)
            printf("\nfailures:\n");
        header = true;
        const char *why = example->error;
        if (!why)
            why = example->violates ? example->violates : "";
        printf("  %-13s %5d  e.g. #%d %s: %s\n", failures[k], count, example->id,
               example->genotype, why);
    }
}

static void print_counts(const ptr_vec *records)
{
    static const char *const statuses[] = {"ok", "invalid", "pruned", "duplicate",
                                           "compile_error", "crash", "timeout", "score_error"};
    printf("%d candidates:", records->len);
    for (size_t k = 0; k < sizeof statuses / sizeof statuses[0]; k++) {
        int count = 0;
        for (int i = 0; i < records->len; i++)
            count += strcmp(((search_record *)records->items[i])->status, statuses[k]) == 0;
        if (count)
            printf(" %s %d", statuses[k], count);
    }
    int violating = 0;
    for (int i = 0; i < records->len; i++) {
        const search_record *r = records->items[i];
        violating += strcmp(r->status, "ok") == 0 && r->violates != NULL;
    }
    if (violating)
        printf(" (%d ok but over the latency constraint)", violating);
    printf("\n");
}

int report_main(int argc, char **argv)
{
    const char *dir = NULL;
    long top = 10;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--top") == 0 && i + 1 < argc) {
            char *end;
            top = strtol(argv[++i], &end, 10);
            if (*end || top < 0) {
                fprintf(stderr, "nasc: invalid --top '%s'; it takes a non-negative integer\n",
                        argv[i]);
                return 2;
            }
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "nasc: unknown option '%s' for 'report'\n"
                            "Run 'nasc help report' for its options.\n", argv[i]);
            return 2;
        } else if (dir) {
            fprintf(stderr, "nasc: more than one folder given ('%s')\n", argv[i]);
            return 2;
        } else {
            dir = argv[i];
        }
    }
    if (!dir) {
        fprintf(stderr, "nasc: 'report' needs the folder of a search\nusage: %s\n",
                REPORT_USAGE);
        return 2;
    }

    search_settings s;
    if (!search_read_settings(arena_printf("%s/search.json", dir), &s))
        return 1;
    ptr_vec records;
    long valid_bytes;
    if (!search_read_log(arena_printf("%s/log.jsonl", dir), &records, &valid_bytes))
        return 1;

    printf("search of %s%s%s: strategy %s, seed %llu, budget %ld\n", s.file,
           s.network ? " network " : "", s.network ? s.network : "", s.strategy,
           (unsigned long long)s.seed, s.budget);
    printf("objectives:");
    for (int i = 0; i < s.objectives.len; i++)
        printf("%s %s", i ? "," : "", ((search_objective *)s.objectives.items[i])->text);
    printf("\nconstraints:");
    for (int i = 0; i < s.constraints.len; i++)
        printf("%s %s", i ? "," : "", ((search_constraint *)s.constraints.items[i])->text);
    printf("%s\n", s.constraints.len ? "" : " none");
    print_counts(&records);
    print_failures(&records);

    ptr_vec best = {0};
    for (int i = 0; i < records.len; i++)
        if (search_record_feasible(records.items[i]))
            vec_push(&best, records.items[i]);
    sort_by_fitness(&best, &s);
    if (best.len > top)
        best.len = (int)top;
    const char *first = ((search_objective *)s.objectives.items[0])->text;
    if (best.len > 0) {
        printf("\ntop %d by %s:\n", best.len, first);
        search_print_table(stdout, &best, &s);
    } else {
        printf("\nno feasible candidate to rank by %s yet\n", first);
    }

    ptr_vec front = search_pareto(&records, &s);
    printf("\nPareto front (%d candidate%s):\n", front.len, front.len == 1 ? "" : "s");
    search_print_table(stdout, &front, &s);
    return 0;
}
