/* The dump file parser on arbitrary text: never crash; an accepted file is
 * importable into source statistics (whose estimates stay finite), can be
 * written again, and after one format/parse round trip (chronyd's seven
 * digits) another changes nothing. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/dumpfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static char text[DUMPFILE_MAX_LEN + 1], buf[DUMPFILE_MAX_LEN], again[DUMPFILE_MAX_LEN];
  static struct dumpfile d, e;
  static struct sst s;
  int line;
  if (size > DUMPFILE_MAX_LEN)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  if (dumpfile_parse(text, &d, &line) != DUMPFILE_OK)
    return 0;
  sst_init(&s, 6, 0);
  if (!sst_import(&s, &d.stats) || sst_samples(&s) != d.stats.n)
    abort();
  struct sst_tracking t;
  if (d.stats.n > 0 && (!sst_get_tracking_data(&s, &d.stats.samples[d.stats.n - 1].time, &t) ||
                        !isfinite(t.offset) || !isfinite(t.frequency)))
    abort();
  size_t len = dumpfile_format(buf, sizeof(buf), &d);
  if (len == 0 || dumpfile_parse(buf, &e, &line) != DUMPFILE_OK ||
      dumpfile_format(again, sizeof(again), &e) != len || memcmp(buf, again, len) != 0)
    abort();
  return 0;
}
