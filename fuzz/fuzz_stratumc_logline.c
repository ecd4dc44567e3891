/* libFuzzer target for the report's log parsing (src/stratumc/logline.c),
 * the series the values go into (series.c) and their chart (svg.c, to
 * /dev/null): the first byte chooses the log, the rest is its lines. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stratumc/logline.h"
#include "stratumc/series.h"
#include "stratumc/svg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  enum sc_log_kind kind = (enum sc_log_kind)(data[0] % SC_LOG_KINDS);
  char *text = malloc(size);
  if (!text)
    return 0;
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  struct sc_series s = {0};
  for (char *line = text, *next; line; line = next) {
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    struct sc_log_record r;
    if (sc_log_parse(kind, line, &r) == SC_LINE_DATA)
      for (int i = 0; i < SC_LOG_VALUES; i++)
        sc_series_add(&s, r.time, r.v[i]);
  }
  static FILE *null;
  if (!null)
    null = fopen("/dev/null", "w");
  if (null && s.n) {
    const struct sc_line line = {"line", &s, 0, false, true};
    double t1 = s.t_max > s.t_min ? s.t_max : s.t_min + 1;
    const struct sc_chart c = {"chart", (enum sc_unit)(data[0] / SC_LOG_KINDS % 2), s.t_min, t1,
                               &line, 1};
    sc_svg_chart(null, &c);
  }
  sc_series_quantile_abs(&s, 0.95);
  sc_series_free(&s);
  free(text);
  return 0;
}
