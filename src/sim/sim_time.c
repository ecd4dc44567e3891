#include "sim/sim_time.h"

#include <math.h>

sim_time sim_time_from_timespec(const struct timespec *ts)
{
  return (sim_time)ts->tv_sec * SIM_NS_PER_S + ts->tv_nsec;
}

struct timespec sim_time_to_timespec(sim_time t)
{
  struct timespec ts;
  sim_time sec = t / SIM_NS_PER_S, nsec = t % SIM_NS_PER_S;
  if (nsec < 0) {
    nsec += SIM_NS_PER_S;
    sec--;
  }
  ts.tv_sec = (time_t)sec;
  ts.tv_nsec = (long)nsec;
  return ts;
}

sim_time sim_ns(double seconds)
{
  if (isnan(seconds))
    return 0;
  if (seconds > SIM_TIME_MAX_SECONDS)
    seconds = SIM_TIME_MAX_SECONDS;
  else if (seconds < -SIM_TIME_MAX_SECONDS)
    seconds = -SIM_TIME_MAX_SECONDS;
  return (sim_time)llround(seconds * 1e9);
}

double sim_seconds(sim_time ns)
{
  /* Whole seconds and the remainder separately, so durations beyond 2^53 ns
   * (104 days) lose no more than double rounding of the sum. */
  return (double)(ns / SIM_NS_PER_S) + (double)(ns % SIM_NS_PER_S) / 1e9;
}
