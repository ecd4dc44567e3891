/* tempcomp's points file parser on arbitrary text: never crash, never more
 * points than asked for; an accepted file gives at least 2 finite points,
 * and the compensation from them is computed for any finite temperature. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tempcomp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static char text[4096 + 1];
  static struct tcomp_params p;
  if (size > sizeof(text) - 1)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  int n = tcomp_parse_points(text, p.points, TCOMP_MAX_POINTS);
  if (n > TCOMP_MAX_POINTS || n == 1)
    abort();
  if (n < 2)
    return 0;
  p.n_points = (unsigned)n;
  for (int i = 0; i < n; i++)
    if (!isfinite(p.points[i].temp) || !isfinite(p.points[i].comp))
      abort();
  (void)tcomp_compensation(&p, p.points[0].temp + 1.0);
  return 0;
}
