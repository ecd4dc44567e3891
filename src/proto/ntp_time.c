/* ntp_time: NTP timestamps and the short format (see ntp_time.h). */
#include "proto/ntp_time.h"
#include "proto/num.h"

#include <math.h>

#define NSEC_PER_SEC 1000000000LL
#define ERA_SECONDS (1LL << 32)
#define HALF_ERA (1LL << 31)

/* Nanoseconds [0, 1e9) to a 2^-32 s fraction, rounded to nearest. The result
 * stays below 2^32, so it never carries into the seconds. */
static uint32_t nsec_to_frac(int64_t nsec)
{
  return (uint32_t)((((uint64_t)nsec << 32) + NSEC_PER_SEC / 2) / NSEC_PER_SEC);
}

/* A 2^-32 s fraction to nanoseconds, rounded to nearest; can give exactly
 * 1e9 for fractions within half a nanosecond of one second. */
static int64_t frac_to_nsec(uint32_t frac)
{
  return (int64_t)(((uint64_t)frac * NSEC_PER_SEC + (1ULL << 31)) >> 32);
}

ntp_ts ntp_ts_from_timespec(const struct timespec *ts)
{
  struct timespec n = timespec_normalise(ts->tv_sec, ts->tv_nsec);
  /* The timestamp keeps the seconds since 1900 modulo 2^32 (the era is
   * dropped); unsigned arithmetic is modular, also for times before 1970. */
  uint32_t ntp_sec = (uint32_t)((uint64_t)n.tv_sec + NTP_UNIX_OFFSET);

  return (ntp_ts)ntp_sec << 32 | nsec_to_frac(n.tv_nsec);
}

ntp_ts ntp_ts_offset(double seconds)
{
  if (!(fabs(seconds) < 2147483648.0))
    return 0;
  return (ntp_ts)(int64_t)num_llround(num_ldexp(seconds, 32));
}

struct timespec ntp_ts_to_timespec(ntp_ts t, time_t pivot)
{
  uint32_t pivot_ntp = (uint32_t)((uint64_t)pivot + NTP_UNIX_OFFSET);
  /* Seconds from the pivot to the timestamp modulo 2^32, then moved into
   * [-2^31, 2^31) to pick the era nearest to the pivot. */
  int64_t delta = (uint32_t)((uint32_t)(t >> 32) - pivot_ntp);

  if (delta >= HALF_ERA)
    delta -= ERA_SECONDS;
  return timespec_normalise((int64_t)pivot + delta, frac_to_nsec((uint32_t)t));
}

uint32_t ntp_short_from_double(double seconds)
{
  double units;

  if (isnan(seconds))
    return UINT32_MAX;
  if (seconds <= 0.0)
    return 0;
  /* Rounded up: delay and dispersion are error bounds and must never be
   * understated. */
  units = ceil(seconds * 65536.0);
  if (units >= (double)UINT32_MAX)
    return UINT32_MAX;
  return (uint32_t)units;
}

double ntp_ts_diff(ntp_ts a, ntp_ts b)
{
  return (double)(int64_t)(a - b) / 4294967296.0;
}

bool ntp_ts_newer(ntp_ts a, ntp_ts b)
{
  return (int64_t)(a - b) > 0;
}

double ntp_short_to_double(uint32_t s)
{
  return s / 65536.0;
}
