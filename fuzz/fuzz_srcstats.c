/* Source statistics on arbitrary sequences of operations: each record of the
 * input adds a sample (raw bit patterns, so NaN, infinities and wild times
 * too), slews, adds dispersion or resets. Never crash; every result stays
 * finite and the sample count within its limits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/srcstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct reader {
  const uint8_t *p;
  size_t left;
};

static uint64_t take(struct reader *r, size_t n)
{
  uint64_t v = 0;
  for (size_t i = 0; i < n && r->left > 0; i++, r->left--)
    v = v << 8 | *r->p++;
  return v;
}

/* Half the time a raw double, else a tame one: x * 2^e for a small e. */
static double number(struct reader *r)
{
  uint64_t raw = take(r, 8);
  double d;
  if (raw & 1) {
    memcpy(&d, &raw, sizeof d);
    return d;
  }
  return (double)(int32_t)(raw >> 32) * ldexp(1.0, (int)(raw >> 1 & 63) - 62);
}

static struct timespec when(struct reader *r, struct timespec base)
{
  uint64_t raw = take(r, 8);
  if (raw & 1)
    return (struct timespec){(time_t)(int64_t)raw >> 8, (long)(raw >> 1 & 0x7f) * 10000000L};
  base.tv_sec += (time_t)(raw >> 1 & 0xffff);
  base.tv_nsec = (long)(raw >> 17 & 0x3fffffff) % 1000000000L;
  return base;
}

static void check(const struct sst *s, const struct timespec *now)
{
  struct sst_selection sel;
  struct sst_tracking tr;
  struct sst_delay_test dt;
  struct sst_report rep;
  double lo, hi;
  bool ok = true;

  if (sst_get_selection_data(s, now, &sel))
    ok &= isfinite(sel.offset) && isfinite(sel.root_distance) && isfinite(sel.std_dev) &&
          isfinite(sel.first_sample_ago) && isfinite(sel.last_sample_ago);
  if (sst_get_tracking_data(s, now, &tr))
    ok &= isfinite(tr.offset) && isfinite(tr.offset_now) && isfinite(tr.offset_sd) &&
          isfinite(tr.frequency) && isfinite(tr.frequency_sd) && isfinite(tr.skew) &&
          isfinite(tr.std_dev) && isfinite(tr.root_dispersion);
  if (sst_get_delay_test_data(s, now, &dt))
    ok &= isfinite(dt.predicted_offset) && isfinite(dt.last_sample_ago);
  sst_get_report(s, now, &rep);
  ok &= isfinite(rep.offset) && isfinite(rep.offset_err) && isfinite(rep.span) &&
        isfinite(rep.asymmetry);
  sst_get_frequency_range(s, &lo, &hi);
  ok &= isfinite(lo) && isfinite(hi);
  ok &= isfinite(sst_predict_offset(s, now));
  ok &= isfinite(sst_poll_adjust(s, fabs(sst_predict_offset(s, now)), 1e-3, 8));
  ok &= sst_samples(s) >= 0 && sst_samples(s) <= s->max_samples;
  if (!ok)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct reader r = {data, size};
  struct sst s;
  struct timespec t = {1700000000, 0};

  sst_init(&s, (int)take(&r, 1) % 70 - 2, (int)take(&r, 1) % 70 - 2);
  s.fixed_asymmetry = take(&r, 1) % 3 == 0 ? 0.0 : s.fixed_asymmetry;
  while (r.left > 0) {
    switch (take(&r, 1) % 8) {
    case 0:
      sst_slew_samples(&s, &t, number(&r), number(&r));
      break;
    case 1:
      sst_add_dispersion(&s, number(&r));
      break;
    case 2:
      sst_reset(&s);
      break;
    default: {
      struct sst_sample x = {.time = when(&r, t)};
      x.offset = number(&r);
      x.peer_delay = fabs(number(&r));
      x.peer_dispersion = fabs(number(&r));
      x.root_delay = fabs(number(&r));
      x.root_dispersion = fabs(number(&r));
      if (sst_add(&s, &x) && x.time.tv_sec > t.tv_sec - 100000 &&
          x.time.tv_sec < t.tv_sec + 100000)
        t = x.time;
      sst_regress(&s);
    }
    }
    check(&s, &t);
  }
  return 0;
}
