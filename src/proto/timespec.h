/* timespec: arithmetic on struct timespec, shared by every module. Results
 * are normalised (tv_nsec in [0, 1e9)); timespec_from_double() rounds to
 * the nearest nanosecond, maps NaN to 0 and clamps beyond +-2^62 s. */
#ifndef STRATUM_PROTO_TIMESPEC_H
#define STRATUM_PROTO_TIMESPEC_H

#include <stdint.h>
#include <time.h>

/* sec + nsec with tv_nsec brought into [0, 1e9). */
struct timespec timespec_normalise(int64_t sec, int64_t nsec);
double timespec_to_double(const struct timespec *ts);
struct timespec timespec_from_double(double seconds);
double timespec_diff(const struct timespec *a, const struct timespec *b); /* a - b */
struct timespec timespec_add_double(const struct timespec *ts, double seconds);

#endif
