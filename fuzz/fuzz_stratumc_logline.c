/* libFuzzer target for the report's log parsing (src/stratumc/logline.c)
 * and the series the values go into (series.c): the first byte chooses
 * the log, the rest is its lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stratumc/logline.h"
#include "stratumc/series.h"

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
  struct sc_point p[2 * SC_SERIES_BUCKETS];
  sc_series_points(&s, p, 2 * SC_SERIES_BUCKETS);
  sc_series_quantile_abs(&s, 0.95);
  sc_series_free(&s);
  free(text);
  return 0;
}
