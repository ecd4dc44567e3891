/* sim_clock: a simulated local clock, read against true time.
 *
 * local(t) = t + offset(t). The offset grows at the clock's frequency error:
 * intrinsic error + random-walk wander + the correction set by
 * sim_clock_set_freq() (all ppm, positive = runs fast, simply added). The
 * wander changes only at fixed true-time steps of SIM_CLOCK_WANDER_STEP
 * from the start, drawn from the clock's own stream, so the trajectory
 * depends on the seed and on the changes made (frequency, steps), never on
 * how often the clock is read. Every call takes the current true time, which
 * must never go backwards. */
#ifndef STRATUM_SIM_CLOCK_H
#define STRATUM_SIM_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/sim_rng.h"
#include "sim/sim_time.h"

#define SIM_CLOCK_WANDER_STEP SIM_NS_PER_S
#define SIM_CLOCK_MAX_FREQ 1e5       /* ppm: largest |correction| accepted */

struct sim_clock_params {
  double offset;      /* local - true at the start, seconds */
  double freq;        /* intrinsic frequency error, ppm */
  double wander;      /* random walk of the frequency, ppm/sqrt(s) */
  /* A sine on the frequency: sine_amp ppm with period sine_period s from
   * the start (chrony's simulation's "(* A (sine P))"); 0: none. */
  double sine_amp, sine_period;
  /* The frequency drifting linearly: drift ppm more each second from the
   * start (chrony's simulation's "(sum D)": drift = D * 1e6); 0: none. */
  double drift;
};

struct sim_clock {
  sim_time t0;        /* true time of the last change */
  double offset0;     /* local - true at t0, seconds */
  double intrinsic, walk, correction;   /* ppm */
  double wander;      /* ppm/sqrt(s) */
  sim_time next_walk; /* true time of the next wander step */
  sim_time start;
  double sine_amp, sine_period;
  double drift;       /* ppm/s */
  struct sim_rng rng;
};

void sim_clock_init(struct sim_clock *c, sim_time start, const struct sim_clock_params *p,
                    uint64_t seed);

sim_time sim_clock_read(struct sim_clock *c, sim_time t);   /* local time, ns */
double sim_clock_offset(struct sim_clock *c, sim_time t);   /* local - true, s */
double sim_clock_freq_error(struct sim_clock *c, sim_time t); /* ppm, correction included */
/* True nanoseconds until the clock has advanced by `local_delay` seconds at
 * its current rate (rounded up; negative and NaN delays count as zero). */
sim_time sim_clock_true_delay(struct sim_clock *c, sim_time t, double local_delay);

/* Return false (and change nothing) for a non-finite value or a correction
 * beyond SIM_CLOCK_MAX_FREQ. */
bool sim_clock_set_freq(struct sim_clock *c, sim_time t, double ppm);
double sim_clock_get_freq(const struct sim_clock *c);
bool sim_clock_step(struct sim_clock *c, sim_time t, double seconds);

#endif
