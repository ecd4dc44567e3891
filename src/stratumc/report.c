#include "stratumc/report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "stratumc/logline.h"
#include "stratumc/series.h"
#include "stratumc/svg.h"

#define MAX_SOURCES 32                /* per log; lines of more are dropped */
#define MAX_ROTATED 9
#define EXAMPLES 5                    /* bad lines named on stderr, per log */
#define PROGRESS_CHECK 65536          /* lines between looks at the clock */
#define LINE_BUF 1024

struct source {
  char name[SC_LOG_SOURCE_LEN + 16];
  struct sc_series s[SC_LOG_VALUES];
};

struct log {
  struct source src[MAX_SOURCES];
  size_t n_src;
  uint64_t lines, bad, dropped;
  int files;
};

struct report {
  struct log log[SC_LOG_KINDS];
  double t0, t1;
  bool memory;                        /* ran out of memory: some points missing */
  struct timespec started, progress;
};

static double since(const struct timespec *a)
{
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - a->tv_sec) + (now.tv_nsec - a->tv_nsec) * 1e-9;
}

static struct source *find_source(struct log *l, const char *name)
{
  for (size_t i = 0; i < l->n_src; i++)
    if (!strcmp(l->src[i].name, name))
      return &l->src[i];
  if (l->n_src == MAX_SOURCES)
    return NULL;
  struct source *s = &l->src[l->n_src++];
  snprintf(s->name, sizeof(s->name), "%s", name);
  return s;
}

static void add(struct report *r, struct sc_series *s, double t, double v)
{
  if (!sc_series_add(s, t, v))
    r->memory = true;
}

static void add_record(struct report *r, enum sc_log_kind kind, const struct sc_log_record *rec)
{
  struct log *l = &r->log[kind];
  char name[sizeof(((struct source *)0)->name)];
  /* tracking.log's address column is the reference of the moment: one system line */
  snprintf(name, sizeof(name), "%s%s", kind == SC_LOG_TRACKING ? "system" : rec->source,
           rec->filtered ? " filtered" : "");
  struct source *src = find_source(l, name);
  if (!src) {
    l->dropped++;
    return;
  }
  const double *v = rec->v;
  double t = rec->time;
  switch (kind) {
  case SC_LOG_MEASUREMENTS:
    add(r, &src->s[0], t, v[SC_MEAS_OFFSET]);
    add(r, &src->s[1], t, v[SC_MEAS_DELAY]);
    break;
  case SC_LOG_STATISTICS:
    add(r, &src->s[0], t, v[SC_STAT_STD_DEV]);
    add(r, &src->s[1], t, v[SC_STAT_OFFSET]);
    add(r, &src->s[2], t, v[SC_STAT_OFFSET] + v[SC_STAT_OFFSET_SD]);
    add(r, &src->s[3], t, v[SC_STAT_OFFSET] - v[SC_STAT_OFFSET_SD]);
    add(r, &src->s[4], t, v[SC_STAT_FREQ_PPM]);
    break;
  case SC_LOG_TRACKING:
    for (int i = 0; i < SC_LOG_VALUES; i++)
      add(r, &src->s[i], t, v[i]);
    break;
  case SC_LOG_REFCLOCKS:
    add(r, &src->s[0], t, v[SC_REF_COOKED_OFFSET]);
    break;
  case SC_LOG_KINDS:
    break;
  }
  r->t0 = fmin(r->t0, t);
  r->t1 = fmax(r->t1, t);
}

static void progress(struct report *r, const char *path, FILE *f, off_t size, uint64_t lines)
{
  if (since(&r->progress) < 1.0)
    return;
  clock_gettime(CLOCK_MONOTONIC, &r->progress);
  long pos = ftell(f);
  fprintf(stderr, "stratumc report: %s: %" PRIu64 " lines, %.0f%%\n", path, lines,
          size > 0 && pos >= 0 ? 100.0 * (double)pos / (double)size : 100.0);
}

static void read_file(struct report *r, enum sc_log_kind kind, const char *path)
{
  FILE *f = fopen(path, "r");
  if (!f) {
    if (errno != ENOENT)
      fprintf(stderr, "stratumc report: could not open %s: %s\n", path, strerror(errno));
    return;
  }
  struct stat st;
  off_t size = fstat(fileno(f), &st) == 0 ? st.st_size : 0;
  struct log *l = &r->log[kind];
  char line[LINE_BUF];
  uint64_t n = 0;
  l->files++;
  while (fgets(line, sizeof(line), f)) {
    n++;
    l->lines++;
    size_t len = strlen(line);
    bool whole = len > 0 && (line[len - 1] == '\n' || feof(f));
    struct sc_log_record rec;
    enum sc_log_line res = whole ? sc_log_parse(kind, line, &rec) : SC_LINE_BAD;
    if (!whole) {                     /* too long: the rest of it goes too */
      int ch;
      while ((ch = getc(f)) != EOF && ch != '\n')
        ;
    }
    if (res == SC_LINE_DATA) {
      add_record(r, kind, &rec);
    } else if (res == SC_LINE_BAD && l->bad++ < EXAMPLES) {
      fprintf(stderr, "stratumc report: %s:%" PRIu64 ": bad line skipped\n", path, n);
    }
    if (n % PROGRESS_CHECK == 0)
      progress(r, path, f, size, n);
  }
  if (ferror(f))
    fprintf(stderr, "stratumc report: could not read %s\n", path);
  fclose(f);
}

static void read_logs(struct report *r, const char *dir)
{
  char path[4096];
  for (int k = 0; k < SC_LOG_KINDS; k++) {
    for (int i = MAX_ROTATED; i >= 0; i--) {
      int n = i ? snprintf(path, sizeof(path), "%s/%s.log.%d", dir, sc_log_name(k), i)
                : snprintf(path, sizeof(path), "%s/%s.log", dir, sc_log_name(k));
      if (n > 0 && (size_t)n < sizeof(path))
        read_file(r, k, path);
    }
    const struct log *l = &r->log[k];
    if (l->bad > EXAMPLES)
      fprintf(stderr, "stratumc report: %s: %" PRIu64 " bad lines skipped in all\n",
              sc_log_name(k), l->bad);
    if (l->dropped)
      fprintf(stderr, "stratumc report: %s: more than %d sources, %" PRIu64 " lines of the "
                      "others skipped\n", sc_log_name(k), MAX_SOURCES, l->dropped);
  }
}

/* ------------------------------------------------------------ the page */

struct part {
  int series;
  const char *label;                  /* after the source's name; tracking: alone */
  bool dashed, in_legend;
};

struct chart_spec {
  enum sc_log_kind kind;
  const char *title;
  enum sc_unit unit;
  struct part parts[3];
};

static const struct chart_spec charts[] = {
  {SC_LOG_MEASUREMENTS, "Offset (measurements.log)", SC_UNIT_SECONDS,
   {{0, "", false, true}, {-1, NULL, false, false}, {-1, NULL, false, false}}},
  {SC_LOG_STATISTICS, "Estimated offset, dashed: \xc2\xb1 offset sd (statistics.log)",
   SC_UNIT_SECONDS,
   {{1, "", false, true}, {2, " \xc2\xb1 sd", true, true}, {3, " \xe2\x88\x92 sd", true, false}}},
  {SC_LOG_MEASUREMENTS, "Peer delay (measurements.log)", SC_UNIT_SECONDS,
   {{1, "", false, true}, {-1, NULL, false, false}, {-1, NULL, false, false}}},
  {SC_LOG_STATISTICS, "Jitter: standard deviation (statistics.log)", SC_UNIT_SECONDS,
   {{0, "", false, true}, {-1, NULL, false, false}, {-1, NULL, false, false}}},
  {SC_LOG_STATISTICS, "Frequency: Diff freq (statistics.log)", SC_UNIT_PPM,
   {{4, "", false, true}, {-1, NULL, false, false}, {-1, NULL, false, false}}},
  {SC_LOG_TRACKING, "System offset (tracking.log)", SC_UNIT_SECONDS,
   {{SC_TRK_OFFSET, "offset", false, true}, {-1, NULL, false, false}, {-1, NULL, false, false}}},
  {SC_LOG_TRACKING, "System frequency (tracking.log)", SC_UNIT_PPM,
   {{SC_TRK_FREQ_PPM, "frequency", false, true}, {-1, NULL, false, false},
    {-1, NULL, false, false}}},
  {SC_LOG_TRACKING, "System skew (tracking.log)", SC_UNIT_PPM,
   {{SC_TRK_SKEW_PPM, "skew", false, true}, {-1, NULL, false, false}, {-1, NULL, false, false}}},
  {SC_LOG_TRACKING, "Root delay, root dispersion and maximum error (tracking.log)",
   SC_UNIT_SECONDS, {{SC_TRK_ROOT_DELAY, "root delay", false, true},
                     {SC_TRK_ROOT_DISP, "root dispersion", false, true},
                     {SC_TRK_MAX_ERROR, "max. error", false, true}}},
  {SC_LOG_REFCLOCKS, "Reference clock offset: cooked (refclocks.log)", SC_UNIT_SECONDS,
   {{SC_REF_COOKED_OFFSET, "", false, true}, {-1, NULL, false, false},
    {-1, NULL, false, false}}},
};

#define MAX_LINES (MAX_SOURCES * 3)

static void chart(FILE *f, const struct report *r, const struct chart_spec *spec)
{
  const struct log *l = &r->log[spec->kind];
  struct sc_line lines[MAX_LINES];
  char labels[MAX_LINES][SC_LOG_SOURCE_LEN + 40];
  size_t n = 0;
  bool any = false;
  for (size_t s = 0; s < l->n_src; s++) {
    for (int p = 0; p < 3 && spec->parts[p].series >= 0; p++) {
      const struct part *part = &spec->parts[p];
      bool system = spec->kind == SC_LOG_TRACKING;
      snprintf(labels[n], sizeof(labels[n]), "%s%s", system ? "" : l->src[s].name, part->label);
      lines[n] = (struct sc_line){labels[n], &l->src[s].s[part->series],
                                  system ? (size_t)p : s, part->dashed, part->in_legend};
      any |= lines[n].series->n > 0;
      n++;
    }
  }
  if (!any)
    return;
  struct sc_chart c = {spec->title, spec->unit, r->t0, r->t1, lines, n};
  fprintf(f, "<figure>\n");
  sc_svg_chart(f, &c);
  fprintf(f, "</figure>\n");
}

static void figure_cell(FILE *f, double v)
{
  char text[32];
  sc_svg_seconds(text, sizeof(text), v);
  fprintf(f, "<td data-v=\"%.9g\">%s</td>", v, text);
}

static void summary_row(FILE *f, const char *name, const char *what, const struct sc_series *s)
{
  if (s->n == 0)
    return;
  fprintf(f, "<tr><td>");
  sc_svg_escape(f, name);
  fprintf(f, "</td><td>%s</td><td>%" PRIu64 "</td>", what, s->n);
  figure_cell(f, sc_series_rms(s));
  figure_cell(f, s->max_abs);
  figure_cell(f, sc_series_quantile_abs(s, 0.95));
  fprintf(f, "</tr>\n");
}

static void summary(FILE *f, const struct report *r)
{
  fprintf(f, "<h2>Summary</h2>\n<table id=\"summary\">\n<tr><th>Source</th><th>Log</th>"
             "<th>Samples</th><th>RMS</th><th>Max. |offset|</th>"
             "<th>95th percentile of |offset|</th></tr>\n");
  const struct log *m = &r->log[SC_LOG_MEASUREMENTS], *c = &r->log[SC_LOG_REFCLOCKS];
  for (size_t i = 0; i < m->n_src; i++)
    summary_row(f, m->src[i].name, "measurements", &m->src[i].s[0]);
  for (size_t i = 0; i < c->n_src; i++)
    summary_row(f, c->src[i].name, "refclocks (cooked)", &c->src[i].s[0]);
  if (r->log[SC_LOG_TRACKING].n_src)
    summary_row(f, "system", "tracking", &r->log[SC_LOG_TRACKING].src[0].s[SC_TRK_OFFSET]);
  fprintf(f, "</table>\n<p class=\"note\">Percentiles within %.1f%%.</p>\n",
          SC_SERIES_P_ERROR * 100);
}

static void utc(char *buf, size_t cap, double t)
{
  struct tm tm;
  time_t sec = (time_t)floor(t);
  if (!gmtime_r(&sec, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm))
    snprintf(buf, cap, "?");
}

static void files_note(FILE *f, const struct report *r)
{
  fprintf(f, "<ul id=\"files\">\n");
  for (int k = 0; k < SC_LOG_KINDS; k++) {
    const struct log *l = &r->log[k];
    if (!l->files) {
      fprintf(f, "<li>%s.log: not found</li>\n", sc_log_name(k));
      continue;
    }
    fprintf(f, "<li>%s.log: %d file%s, %" PRIu64 " lines, %" PRIu64 " bad lines skipped",
            sc_log_name(k), l->files, l->files > 1 ? "s" : "", l->lines, l->bad);
    if (l->dropped)
      fprintf(f, ", %" PRIu64 " lines of sources beyond the first %d skipped", l->dropped,
              MAX_SOURCES);
    fprintf(f, "</li>\n");
  }
  fprintf(f, "</ul>\n");
}

static const char style[] =
  "body{font-family:sans-serif;margin:1em 2em;color:#222}"
  "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}"
  "td[data-v]{text-align:right}figure{margin:1em 0}.note{color:#666}";

static void page(FILE *f, const struct report *r, const char *dir)
{
  fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<title>Stratum report: ");
  sc_svg_escape(f, dir);
  fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>Stratum report</h1>\n<p>Logs "
             "in <code>", style);
  sc_svg_escape(f, dir);
  fprintf(f, "</code>");
  bool data = r->t0 <= r->t1;
  if (data) {
    char a[32], b[32];
    utc(a, sizeof(a), r->t0);
    utc(b, sizeof(b), r->t1);
    fprintf(f, ", from %s to %s UTC", a, b);
  }
  fprintf(f, ".</p>\n");
  files_note(f, r);
  if (r->memory)
    fprintf(f, "<p class=\"note\">Out of memory: some points are missing.</p>\n");
  if (!data) {
    fprintf(f, "<p id=\"empty\">No data: no measurements, statistics, tracking or refclocks "
               "log with data lines in this directory.</p>\n</body>\n</html>\n");
    return;
  }
  summary(f, r);
  fprintf(f, "<h2>Sources</h2>\n");
  for (size_t i = 0; i < sizeof(charts) / sizeof(charts[0]); i++) {
    if (charts[i].kind == SC_LOG_TRACKING && i > 0 && charts[i - 1].kind != SC_LOG_TRACKING)
      fprintf(f, "<h2>Tracking</h2>\n");
    if (charts[i].kind == SC_LOG_REFCLOCKS && r->log[SC_LOG_REFCLOCKS].n_src)
      fprintf(f, "<h2>Reference clocks</h2>\n");
    chart(f, r, &charts[i]);
  }
  fprintf(f, "</body>\n</html>\n");
}

static void free_report(struct report *r)
{
  for (int k = 0; k < SC_LOG_KINDS; k++)
    for (size_t i = 0; i < r->log[k].n_src; i++)
      for (int j = 0; j < SC_LOG_VALUES; j++)
        sc_series_free(&r->log[k].src[i].s[j]);
}

int sc_report_page(const char *logdir, const char *out_path)
{
  struct stat st;
  if (stat(logdir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "stratumc report: %s is not a directory\n", logdir);
    return 1;
  }
  struct report *r = calloc(1, sizeof(*r));
  if (!r) {
    fprintf(stderr, "stratumc report: out of memory\n");
    return 1;
  }
  r->t0 = INFINITY;
  r->t1 = -INFINITY;
  clock_gettime(CLOCK_MONOTONIC, &r->started);
  r->progress = r->started;
  read_logs(r, logdir);
  if (r->t1 - r->t0 < 1.0 && r->t0 <= r->t1) {   /* one moment: a second around it */
    r->t0 -= 0.5;
    r->t1 = r->t0 + 1.0;
  }
  int status = 1;
  FILE *f = fopen(out_path, "w");
  if (!f) {
    fprintf(stderr, "stratumc report: could not create %s: %s\n", out_path, strerror(errno));
  } else {
    page(f, r, logdir);
    if ((ferror(f) | fclose(f)) != 0)
      fprintf(stderr, "stratumc report: could not write %s\n", out_path);
    else
      status = 0;
  }
  uint64_t lines = 0, bad = 0;
  for (int k = 0; k < SC_LOG_KINDS; k++) {
    lines += r->log[k].lines;
    bad += r->log[k].bad;
  }
  fprintf(stderr, "stratumc report: %" PRIu64 " lines read, %" PRIu64 " bad, in %.1f s\n",
          lines, bad, since(&r->started));
  free_report(r);
  free(r);
  return status;
}
