/* sim_metrics: how well a simulated host's clock keeps time.
 *
 * Samples the host's true offset (local - true) and frequency error every
 * `interval` seconds of true time, from its creation, as scheduler events
 * that only read. sim_metrics_compute() then reports:
 *   sync_time   elapsed seconds (since the simulation start) from which
 *               |offset| stays below `threshold` (and, with freq_threshold
 *               > 0, |frequency error| within freq_threshold ppm: chrony's
 *               find_sync) to the last sample; INFINITY if the last sample
 *               is above it
 *   max/rms offset and frequency error over the steady part: from `settle`
 *               seconds when settle > 0, else from sync_time, else (never
 *               synchronised) over every sample
 *   steps       clock steps the core made through the platform
 * A sample that cannot be stored (out of memory) ends the sampling. */
#ifndef STRATUM_SIM_METRICS_H
#define STRATUM_SIM_METRICS_H

#include <stddef.h>

#include "sim/sim_platform.h"
#include "sim/sim_sched.h"

struct sim_metrics_sample {
  double t;                   /* elapsed true seconds */
  double offset;              /* seconds */
  double freq_error;          /* ppm */
};

struct sim_metrics_result {
  double sync_time;
  double max_offset, rms_offset;           /* seconds, absolute */
  double max_freq_error, rms_freq_error;   /* ppm, absolute */
  unsigned steps;
  size_t n_samples, n_steady;
};

struct sim_metrics;

struct sim_metrics *sim_metrics_new(struct sim_sched *sched, struct sim_platform *host,
                                    double interval);
void sim_metrics_free(struct sim_metrics *m);

/* UTC moved by `seconds` against the simulator's true time (a leap
 * second: -1 inserted, +1 deleted): later samples measure the host's
 * offset from UTC, local - (true + the sum of these shifts). */
void sim_metrics_shift_utc(struct sim_metrics *m, double seconds);

void sim_metrics_compute(const struct sim_metrics *m, double threshold, double freq_threshold,
                         double settle, struct sim_metrics_result *out);
/* The raw samples, oldest first (valid until the next sample is taken). */
const struct sim_metrics_sample *sim_metrics_samples(const struct sim_metrics *m, size_t *n);

#endif
