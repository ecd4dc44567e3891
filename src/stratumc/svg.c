#include "stratumc/svg.h"

#include <math.h>
#include <string.h>
#include <time.h>

#define LEGEND_TOP (SC_SVG_BOTTOM + 52)
#define LEGEND_ROW 18
#define LEGEND_PER_ROW 4
#define X_TICKS_MAX 8
#define AXIS_TICKS 5
#define MIN_SPAN 1e-12
#define DASHED " stroke-dasharray=\"4 3\""

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
#define PALETTE (sizeof(palette) / sizeof(palette[0]))

/* The smallest of 1, 2, 5 times a power of ten that is >= x > 0. */
static double round_step(double x)
{
  double p = pow(10.0, floor(log10(x)));
  return x <= p ? p : x <= 2 * p ? 2 * p : x <= 5 * p ? 5 * p : 10 * p;
}

void sc_svg_axis(double min, double max, struct sc_axis *a)
{
  /* a range too narrow to divide (one value): 10% around it, or 1e-12
   * around 0 (below what any clock measures) */
  if (max - min < fmax(fabs(max), fabs(min)) * 1e-9 || max - min < MIN_SPAN) {
    double mid = min / 2 + max / 2, d = fmax(fabs(mid) * 0.1, MIN_SPAN);
    min = mid - d;
    max = mid + d;
  }
  a->step = round_step((max - min) / AXIS_TICKS);
  a->lo = floor(min / a->step) * a->step;
  a->hi = ceil(max / a->step) * a->step;
}

double sc_svg_x(double t, double t0, double t1)
{
  return t1 > t0 ? SC_SVG_LEFT + (t - t0) / (t1 - t0) * (SC_SVG_RIGHT - SC_SVG_LEFT)
                 : SC_SVG_LEFT;
}

double sc_svg_y(double v, const struct sc_axis *a)
{
  return SC_SVG_BOTTOM - (v - a->lo) / (a->hi - a->lo) * (SC_SVG_BOTTOM - SC_SVG_TOP);
}

/* The unit a seconds axis or figure reaching magnitude m is labelled in. */
static double seconds_unit(double m, const char **name)
{
  static const struct { double scale; const char *name; } units[] = {
    {1.0, "s"}, {1e-3, "ms"}, {1e-6, "\xc2\xb5s"}, {1e-9, "ns"}};
  size_t i = 0;
  while (i + 1 < sizeof(units) / sizeof(units[0]) && m < units[i].scale)
    i++;
  *name = units[i].name;
  return units[i].scale;
}

void sc_svg_seconds(char *buf, size_t cap, double v)
{
  const char *unit;
  double scale = seconds_unit(fabs(v), &unit);
  if (v == 0.0)
    snprintf(buf, cap, "0 s");
  else
    snprintf(buf, cap, "%.3g %s", v / scale, unit);
}

void sc_svg_escape(FILE *f, const char *s)
{
  for (; *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&#39;", f); break;
    default: fputc(*s, f); break;
    }
  }
}

static void value_ticks(FILE *f, const struct sc_axis *a, enum sc_unit unit)
{
  const char *name = "ppm";
  double scale = 1.0;
  if (unit == SC_UNIT_SECONDS)
    scale = seconds_unit(fmax(fabs(a->lo), fabs(a->hi)), &name);
  int decimals = (int)ceil(-log10(a->step / scale) - 1e-9);
  if (decimals < 0)
    decimals = 0;
  fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%s</text>\n", SC_SVG_LEFT - 8,
          SC_SVG_TOP - 10, name);
  long k0 = lround(a->lo / a->step), k1 = lround(a->hi / a->step);
  if (!(k1 - k0 <= 2 * AXIS_TICKS))   /* not an axis sc_svg_axis made */
    return;
  for (long k = k0; k <= k1; k++) {
    double v = (double)k * a->step, y = sc_svg_y(v, a);
    fprintf(f, "<line class=\"ytick\" data-v=\"%.9g\" x1=\"%.0f\" y1=\"%.2f\" x2=\"%.0f\" "
               "y2=\"%.2f\" stroke=\"#ddd\"/>\n", v, SC_SVG_LEFT - 4, y, SC_SVG_RIGHT, y);
    fprintf(f, "<text x=\"%.0f\" y=\"%.2f\" text-anchor=\"end\">%.*f</text>\n", SC_SVG_LEFT - 8,
            y + 4, decimals, k == 0 ? 0.0 : v / scale);
  }
}

static void time_ticks(FILE *f, double t0, double t1)
{
  static const double steps[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
                                 10800, 21600, 43200, 86400, 172800, 604800, 2592000};
  size_t i = 0;
  while (i + 1 < sizeof(steps) / sizeof(steps[0]) && (t1 - t0) / steps[i] > X_TICKS_MAX)
    i++;
  double step = steps[i];
  const char *format = step < 60 ? "%H:%M:%S" : step < 86400 ? "%H:%M" : "%m-%d";
  char day[16], last_day[16] = "";
  for (double t = ceil(t0 / step) * step; t <= t1; t += step) {
    struct tm tm;
    time_t sec = (time_t)t;
    char label[16];
    double x = sc_svg_x(t, t0, t1);
    if (!gmtime_r(&sec, &tm) || !strftime(label, sizeof(label), format, &tm) ||
        !strftime(day, sizeof(day), "%Y-%m-%d", &tm))
      continue;
    fprintf(f, "<line class=\"xtick\" data-t=\"%.3f\" x1=\"%.2f\" y1=\"%.0f\" x2=\"%.2f\" "
               "y2=\"%.0f\" stroke=\"#ddd\"/>\n", t, x, SC_SVG_TOP, x, SC_SVG_BOTTOM + 4);
    fprintf(f, "<text x=\"%.2f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>\n", x,
            SC_SVG_BOTTOM + 18, label);
    if (step < 86400 && strcmp(day, last_day))
      fprintf(f, "<text x=\"%.2f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>\n", x,
              SC_SVG_BOTTOM + 32, day);
    memcpy(last_day, day, sizeof(day));
  }
  fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">UTC</text>\n", SC_SVG_RIGHT,
          SC_SVG_BOTTOM + 32);
}

static void polyline(FILE *f, const struct sc_line *l, const struct sc_chart *c,
                     const struct sc_axis *a)
{
  struct sc_point p[2 * SC_SERIES_BUCKETS];
  size_t n = sc_series_points(l->series, p, 2 * SC_SERIES_BUCKETS);
  if (n == 0)
    return;
  fprintf(f, "<polyline class=\"line\" data-label=\"");
  sc_svg_escape(f, l->label);
  fprintf(f, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\" stroke-linecap=\"round\"%s "
             "points=\"", palette[l->color % PALETTE], l->dashed ? DASHED : "");
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%s%.2f,%.2f", i ? " " : "", sc_svg_x(p[i].t, c->t0, c->t1), sc_svg_y(p[i].v, a));
  if (n == 1)    /* a lone point: a round dot */
    fprintf(f, " %.2f,%.2f", sc_svg_x(p[0].t, c->t0, c->t1), sc_svg_y(p[0].v, a));
  fprintf(f, "\"/>\n");
}

static void legend(FILE *f, const struct sc_chart *c)
{
  size_t item = 0;
  for (size_t i = 0; i < c->n_lines; i++) {
    const struct sc_line *l = &c->lines[i];
    if (!l->in_legend || l->series->n == 0)
      continue;
    double x = SC_SVG_LEFT + (double)(item % LEGEND_PER_ROW) * 200;
    double y = LEGEND_TOP + (double)(item / LEGEND_PER_ROW) * LEGEND_ROW;
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" "
               "stroke-width=\"3\"%s/>\n<text class=\"legend\" x=\"%.0f\" y=\"%.0f\">", x, y - 4,
            x + 24, y - 4, palette[l->color % PALETTE],
            l->dashed ? DASHED : "", x + 30, y);
    sc_svg_escape(f, l->label);
    fprintf(f, "</text>\n");
    item++;
  }
}

static size_t legend_items(const struct sc_chart *c)
{
  size_t n = 0;
  for (size_t i = 0; i < c->n_lines; i++)
    n += c->lines[i].in_legend && c->lines[i].series->n > 0;
  return n;
}

void sc_svg_chart(FILE *f, const struct sc_chart *c)
{
  double min = INFINITY, max = -INFINITY;
  for (size_t i = 0; i < c->n_lines; i++) {
    const struct sc_series *s = c->lines[i].series;
    if (s->n) {
      min = fmin(min, s->v_min);
      max = fmax(max, s->v_max);
    }
  }
  if (min > max)
    min = max = 0.0;
  struct sc_axis a;
  sc_svg_axis(min, max, &a);
  size_t rows = (legend_items(c) + LEGEND_PER_ROW - 1) / LEGEND_PER_ROW;
  int height = (int)LEGEND_TOP + (int)rows * LEGEND_ROW;
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"%d\" "
             "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\" "
             "role=\"img\" aria-label=\"", SC_SVG_WIDTH, height, SC_SVG_WIDTH, height);
  sc_svg_escape(f, c->title);
  fprintf(f, "\">\n<text class=\"title\" x=\"%.0f\" y=\"18\" font-size=\"14\" "
             "font-weight=\"bold\">", SC_SVG_LEFT);
  sc_svg_escape(f, c->title);
  fprintf(f, "</text>\n");
  value_ticks(f, &a, c->unit);
  time_ticks(f, c->t0, c->t1);
  fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
             "stroke=\"#888\"/>\n", SC_SVG_LEFT, SC_SVG_TOP, SC_SVG_RIGHT - SC_SVG_LEFT,
          SC_SVG_BOTTOM - SC_SVG_TOP);
  for (size_t i = 0; i < c->n_lines; i++)
    polyline(f, &c->lines[i], c, &a);
  legend(f, c);
  fprintf(f, "</svg>\n");
}
