/* The sample filter, as an NTP source's median (first byte < 128) or a
 * refclock's (60 % around the median, maxdispersion or none), on random
 * sample sequences and clock slews: it never reads or writes out of
 * bounds, accepts only increasing times, holds at most its maximum of
 * samples, and every result is finite with its offset among the offsets
 * it was given and a positive dispersion. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/samplefilt.h"
#include "proto/ntp_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SAMPLE_BYTES 6
#define PRECISION 1e-7

/* A byte as a number: scale * small signed integers, sometimes garbage. */
static double num(uint8_t b, double scale)
{
  switch (b) {
  case 255:
    return NAN;
  case 254:
    return INFINITY;
  case 253:
    return 1e300;
  default:
    return scale * ((double)b - 126.0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static struct spf f;
  struct sst_sample s, out;
  struct timespec t = {1700000000, 0};
  double lo = INFINITY, hi = -INFINITY;
  bool bounded = true;   /* lo..hi holds every offset in the filter */
  if (size < 1)
    return 0;
  if (data[0] < 128)
    spf_init(&f, data[0] % 12);
  else
    spf_configure(&f, 1, data[0] % 70, data[0] & 1 ? 0.0 : 1e-3, 0.6);
  for (size_t i = 1; i + SAMPLE_BYTES <= size; i += SAMPLE_BYTES) {
    const uint8_t *d = data + i;
    if (d[0] == 0) {   /* a slew instead of a sample */
      spf_slew(&f, &t, num(d[1], 1e-6), num(d[2], 1e-3));
      bounded = false;   /* offsets moved: no bound to check until a result */
      continue;
    }
    t = timespec_add_double(&t, ((double)d[0] - 16.0) * 0.05);
    memset(&s, 0, sizeof(s));
    s.time = t;
    s.offset = num(d[1], 1e-3) + num(d[2], 1e-6);
    s.peer_delay = fabs(num(d[3], 1e-4));
    s.peer_dispersion = fabs(num(d[4], 1e-6));
    s.root_delay = s.root_dispersion = fabs(num(d[5], 1e-3));
    int before = spf_samples(&f);
    if (spf_accumulate(&f, &s)) {
      lo = fmin(lo, s.offset);
      hi = fmax(hi, s.offset);
    } else if (spf_samples(&f) != before) {
      abort();
    }
    if (spf_samples(&f) > f.max_samples)
      abort();
    if (spf_get_filtered(&f, PRECISION, &out)) {
      if (!isfinite(out.offset) || !isfinite(out.peer_dispersion) ||
          !(out.peer_dispersion > 0.0) || spf_samples(&f) != 0)
        abort();
      if (bounded && (out.offset < lo - 1e-9 * fabs(lo) || out.offset > hi + 1e-9 * fabs(hi)))
        abort();
      lo = INFINITY;
      hi = -INFINITY;
      bounded = true;
    }
  }
  return 0;
}
