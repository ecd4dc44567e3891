/* The rtcfile parser on arbitrary text: never crash; accepted values are
 * finite, in range, and survive a format/parse round trip. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/rtcfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char text[256], buf[128];
  struct rtcfile_coefs c, d;
  if (size >= sizeof(text))
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  if (!rtcfile_parse(text, &c))
    return 0;
  if (!isfinite(c.offset) || !isfinite(c.rate_ppm) || fabs(c.rate_ppm) > 1e6)
    abort();
  if (rtcfile_format(buf, sizeof(buf), &c) == 0 || !rtcfile_parse(buf, &d) || d.valid != c.valid ||
      d.ref_time != c.ref_time)
    abort();
  return 0;
}
