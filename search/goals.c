/*
 * Constraints and objectives of a search, parsed from their text.
 *
 * A constraint reads `METRIC < LIMIT UNIT` or `METRIC <= LIMIT UNIT`, e.g.
 * "latency <= 5 ms", "params < 2.5M", "peak_memory <= 512 KiB". The limit
 * is stored in the metric's base unit: milliseconds for latency, a count
 * for params and MACs, bytes for peak memory. An objective reads
 * `maximize METRIC` or `minimize METRIC`.
 *
 * Errors carry the byte offset in the text where the problem starts, so
 * that a directive's diagnostic can underline the exact word in the file.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "search.h"

static const char *const metric_names[METRIC_COUNT] = {
    "latency", "params", "macs", "peak_memory", "naswot", "meco", "external",
};

const char *search_metric_name(search_metric m)
{
    return metric_names[m];
}

typedef struct {
    const char *name;
    double factor;  /* to the metric's base unit */
} unit;

static const unit latency_units[] = {{"ms", 1}, {"s", 1e3}, {"us", 1e-3}, {NULL, 0}};
static const unit count_units[] = {{"", 1}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {NULL, 0}};
static const unit byte_units[] = {
    {"", 1}, {"B", 1}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9},
    {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {NULL, 0},
};

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* The identifier at p, as an arena string; *end after it. */
static const char *read_word(const char *p, const char **end)
{
    const char *q = p;
    while (isalnum((unsigned char)*q) || *q == '_')
        q++;
    *end = q;
    return arena_strndup(p, (size_t)(q - p));
}

static bool lookup_metric(const char *word, search_metric *out)
{
    for (int m = 0; m < METRIC_COUNT; m++)
        if (strcmp(word, metric_names[m]) == 0) {
            *out = (search_metric)m;
            return true;
        }
    return false;
}

static bool fail(const char **error, int *offset, const char *text, const char *at,
                 const char *message)
{
    *error = message;
    *offset = (int)(at - text);
    return false;
}

/* The units a constraint on m accepts, for the error message. */
static const char *unit_list(search_metric m)
{
    switch (m) {
    case METRIC_LATENCY: return "ms, s or us";
    case METRIC_PEAK_MEMORY: return "B, KB, MB, GB, KiB, MiB or GiB (or none for bytes)";
    default: return "K, M or G (or none)";
    }
}

bool search_parse_constraint(const char *text, search_constraint *out, const char **error,
                             int *offset)
{
    memset(out, 0, sizeof *out);
    out->text = text;
    const char *p = skip_space(text);
    const char *end;
    const char *word = read_word(p, &end);
    if (!*word)
        return fail(error, offset, text, p,
                    "expected a metric: latency, params, macs or peak_memory");
    if (!lookup_metric(word, &out->metric) || out->metric > METRIC_PEAK_MEMORY)
        return fail(error, offset, text, p,
                    arena_printf("unknown constraint metric '%s'; use latency, params, macs "
                                 "or peak_memory", word));

    p = skip_space(end);
    if (p[0] == '<' && p[1] == '=') {
        p += 2;
    } else if (p[0] == '<') {
        out->strict = true;
        p += 1;
    } else {
        return fail(error, offset, text, p,
                    "expected '<' or '<=' after the metric (a constraint is an upper limit)");
    }

    p = skip_space(p);
    char *number_end;
    double value = strtod(p, &number_end);
    if (number_end == p || !isdigit((unsigned char)*p) || !isfinite(value))
        return fail(error, offset, text, p, "expected a non-negative number as the limit");

    const char *unit_start = skip_space(number_end);
    const char *unit_text = read_word(unit_start, &end);
    const unit *units = out->metric == METRIC_LATENCY ? latency_units
                        : out->metric == METRIC_PEAK_MEMORY ? byte_units
                                                            : count_units;
    const unit *found = NULL;
    for (const unit *u = units; u->name; u++)
        if (strcmp(u->name, unit_text) == 0)
            found = u;
    if (!found) {
        const char *message =
            *unit_text ? arena_printf("unknown unit '%s' for %s; use %s", unit_text,
                                      metric_names[out->metric], unit_list(out->metric))
                       : arena_printf("missing unit for %s; use %s", metric_names[out->metric],
                                      unit_list(out->metric));
        return fail(error, offset, text, *unit_text ? unit_start : number_end, message);
    }
    p = skip_space(end);
    if (*p)
        return fail(error, offset, text, p, "unexpected text after the constraint's limit");
    out->limit = value * found->factor;
    return true;
}

bool search_parse_objective(const char *text, search_objective *out, const char **error,
                            int *offset)
{
    memset(out, 0, sizeof *out);
    out->text = text;
    const char *p = skip_space(text);
    const char *end;
    const char *word = read_word(p, &end);
    if (strcmp(word, "maximize") == 0) {
        out->maximize = true;
    } else if (strcmp(word, "minimize") != 0) {
        return fail(error, offset, text, p,
                    "an objective starts with 'maximize' or 'minimize'");
    }

    p = skip_space(end);
    word = read_word(p, &end);
    if (!lookup_metric(word, &out->metric))
        return fail(error, offset, text, p,
                    *word ? arena_printf("unknown objective metric '%s'; use naswot, meco, "
                                         "external, params, macs, latency or peak_memory", word)
                          : "expected a metric after the direction: naswot, meco, external, "
                            "params, macs, latency or peak_memory");
    p = skip_space(end);
    if (*p)
        return fail(error, offset, text, p, "unexpected text after the objective's metric");
    return true;
}

bool search_constraint_holds(const search_constraint *c, double value)
{
    return c->strict ? value < c->limit : value <= c->limit;
}
