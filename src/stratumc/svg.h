/* svg: charts of series over time as SVG text, for the report page (pure).
 *
 * A chart has a title, a y axis in seconds (labelled in s, ms, us or ns)
 * or in ppm, a time axis labelled in UTC, one polyline per line and a
 * legend. Tick lines carry their value (data-v, seconds or ppm) or time
 * (data-t, seconds since the epoch), so the page can be read back. */
#ifndef STRATUM_STRATUMC_SVG_H
#define STRATUM_STRATUMC_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "stratumc/series.h"

/* The plot area, in pixels from the SVG's top left corner. */
#define SC_SVG_WIDTH 900
#define SC_SVG_LEFT 90.0
#define SC_SVG_RIGHT 870.0
#define SC_SVG_TOP 40.0
#define SC_SVG_BOTTOM 240.0

enum sc_unit { SC_UNIT_SECONDS, SC_UNIT_PPM };

/* A value axis: lo and hi are multiples of step, a round number. */
struct sc_axis {
  double lo, hi, step;
};

struct sc_line {
  const char *label;
  const struct sc_series *series;
  size_t color;                      /* index in the palette */
  bool dashed, in_legend;
};

struct sc_chart {
  const char *title;
  enum sc_unit unit;
  double t0, t1;                     /* the time axis, t0 < t1 */
  const struct sc_line *lines;
  size_t n_lines;
};

/* The axis with about 5 round ticks that holds [min, max] (widened
 * around a single value). */
void sc_svg_axis(double min, double max, struct sc_axis *a);
/* Where a time and a value are drawn. */
double sc_svg_x(double t, double t0, double t1);
double sc_svg_y(double v, const struct sc_axis *a);
/* "12.3 us", "1.5 ms"... (3 significant digits; "0 s" for 0). */
void sc_svg_seconds(char *buf, size_t cap, double v);
/* s escaped for XML and HTML text or attribute values. */
void sc_svg_escape(FILE *f, const char *s);
void sc_svg_chart(FILE *f, const struct sc_chart *c);

#endif
