/* sim_time: the simulator's time type.
 *
 * A sim_time is a count of nanoseconds since the Unix epoch in an int64_t:
 * exact, monotonic arithmetic for true time and local clock readings from
 * 1678 to 2262 (so across the 2036 NTP rollover and past 2038), where a
 * double would keep only ~0.2 us at 2^31 s. Durations in seconds convert to
 * nanoseconds rounded to nearest and saturated at +-SIM_TIME_MAX_SECONDS;
 * NaN gives 0. */
#ifndef STRATUM_SIM_TIME_H
#define STRATUM_SIM_TIME_H

#include <stdint.h>
#include <time.h>

typedef int64_t sim_time;

#define SIM_NS_PER_S 1000000000LL
#define SIM_TIME_MAX_SECONDS 4.0e9   /* longest duration sim_ns() converts */

sim_time sim_time_from_timespec(const struct timespec *ts);
struct timespec sim_time_to_timespec(sim_time t);

sim_time sim_ns(double seconds);          /* a duration in seconds -> ns */
double sim_seconds(sim_time ns);          /* a duration in ns -> seconds */

#endif
