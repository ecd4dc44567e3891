/* The drift file parser on arbitrary text: never crash; accepted values
 * are finite, in range, and survive a format/parse round trip. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/driftfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char text[256], buf[128];
  double f, s, f2, s2;
  if (size >= sizeof(text))
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  if (!driftfile_parse(text, &f, &s))
    return 0;
  if (!isfinite(f) || !isfinite(s) || s < 0.0 || fabs(f) > 1e6)
    abort();
  if (driftfile_format(buf, sizeof(buf), f, s) == 0 || !driftfile_parse(buf, &f2, &s2))
    abort();
  return 0;
}
