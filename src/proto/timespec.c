/* timespec: arithmetic on struct timespec (see timespec.h). */
#include "proto/timespec.h"
#include "proto/num.h"

#include <math.h>

#define NSEC_PER_SEC 1000000000LL

/* Largest magnitude timespec_from_double() accepts; beyond it the result is
 * clamped, because converting an out-of-range double to an integer type is
 * undefined behaviour. 2^62 s is far beyond any meaningful time. */
#define TS_DOUBLE_LIMIT 4611686018427387904.0 /* 2^62 */

/* Bring tv_nsec into [0, 1e9), carrying whole seconds into tv_sec. */
struct timespec timespec_normalise(int64_t sec, int64_t nsec)
{
  struct timespec r;

  sec += nsec / NSEC_PER_SEC;
  nsec %= NSEC_PER_SEC;
  if (nsec < 0) {
    nsec += NSEC_PER_SEC;
    sec--;
  }
  r.tv_sec = (time_t)sec;
  r.tv_nsec = (long)nsec;
  return r;
}

double timespec_to_double(const struct timespec *ts)
{
  return (double)ts->tv_sec + ts->tv_nsec * 1e-9;
}

struct timespec timespec_from_double(double seconds)
{
  double whole;

  if (isnan(seconds))
    seconds = 0.0;
  else if (seconds > TS_DOUBLE_LIMIT)
    seconds = TS_DOUBLE_LIMIT;
  else if (seconds < -TS_DOUBLE_LIMIT)
    seconds = -TS_DOUBLE_LIMIT;
  whole = floor(seconds);
  return timespec_normalise((int64_t)whole, num_llround((seconds - whole) * 1e9));
}

double timespec_diff(const struct timespec *a, const struct timespec *b)
{
  /* Subtract the integer parts exactly before going to double. */
  return (double)((int64_t)a->tv_sec - (int64_t)b->tv_sec) +
         (double)((int64_t)a->tv_nsec - (int64_t)b->tv_nsec) * 1e-9;
}

struct timespec timespec_add_double(const struct timespec *ts, double seconds)
{
  struct timespec d = timespec_from_double(seconds);

  return timespec_normalise((int64_t)ts->tv_sec + d.tv_sec, (int64_t)ts->tv_nsec + d.tv_nsec);
}
