/* ntp_time: NTP timestamps and their conversion to and from struct timespec.
 *
 * An ntp_ts is the 64-bit NTP timestamp in host order: seconds since
 * 1900-01-01 in the high 32 bits, binary fraction in the low 32 bits. It
 * carries no era; ntp_ts_to_timespec() places it in the 136-year window
 * centred on a pivot (normally the local clock), so it is correct across the
 * 2036 rollover and with 64-bit time_t past 2038. The 32-bit short format
 * (16.16 seconds) is used for root delay and dispersion. */
#ifndef STRATUM_PROTO_NTP_TIME_H
#define STRATUM_PROTO_NTP_TIME_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "proto/timespec.h"

typedef uint64_t ntp_ts;

/* Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
#define NTP_UNIX_OFFSET 2208988800ULL

/* Fraction rounded to the nearest 2^-32 s; tv_nsec outside [0, 1e9) is
 * normalised first. A zero result is not treated specially. */
ntp_ts ntp_ts_from_timespec(const struct timespec *ts);
/* The time in the window [pivot - 2^31 s, pivot + 2^31 s) whose NTP
 * timestamp is t (the seconds are chosen in the window, then the fraction
 * is rounded to the nearest nanosecond, which may carry one second).
 * Round trip through ntp_ts_from_timespec() is exact to the nanosecond. */
struct timespec ntp_ts_to_timespec(ntp_ts t, time_t pivot);
/* An offset of `seconds` (|seconds| < 2^31, else 0) in the timestamps'
 * units, two's complement: adding it to a timestamp (modulo 2^64) moves
 * it by that much. */
ntp_ts ntp_ts_offset(double seconds);
/* a - b in seconds, for timestamps less than 2^31 s apart (either way). */
double ntp_ts_diff(ntp_ts a, ntp_ts b);
/* Is a later than b (less than 2^31 s apart)? */
bool ntp_ts_newer(ntp_ts a, ntp_ts b);

/* Short format, saturating: negative values give 0, too large 0xffffffff.
 * Rounded up, as these are error bounds; NaN gives 0xffffffff (the worst). */
uint32_t ntp_short_from_double(double seconds);
double ntp_short_to_double(uint32_t s);

#endif
