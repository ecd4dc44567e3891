/* hwclock: tracking of a hardware clock (a PHC) against the system clock
 * (chrony's hwclock.c, HCL_).
 *
 * Readings of the hardware clock between two readings of the system clock
 * are made into one sample: the readings whose delay lies between the 10th
 * and 20th percentiles of the delays seen so far (chrony's quantile
 * estimates) are averaged (quality 2), else the one with the shortest delay
 * is taken, quality 1 if the system time is later than the tracked clock
 * predicts by more than its error (chrony's signed test) or there is no
 * prediction yet, else 0 (the caller may skip it). Samples (hardware time, cooked system time) feed a
 * robust regression of the one on the other over at most max_samples; the
 * fit converts hardware timestamps (a NIC's, a PHC's external events) to
 * the cooked system time scale. */
#ifndef STRATUM_CORE_HWCLOCK_H
#define STRATUM_CORE_HWCLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/discipline.h"
#include "core/platform.h"

#define HCL_MIN_SAMPLES 2
#define HCL_MAX_SAMPLES 64
#define HCL_QUANTILES 14             /* 2 quantiles (10th, 20th), 7 estimates each */

struct hcl_quantile {
  double est, step;
  int sign;
};

struct hcl {
  const struct discipline *disc;
  struct timespec hw_ref, local_ref;   /* the newest sample (local: cooked) */
  /* Samples as intervals from the newest one (local ones not corrected
   * for the clock's frequency), the newest at [HCL_MAX_SAMPLES - 1]. */
  double x[HCL_MAX_SAMPLES], y[HCL_MAX_SAMPLES];
  int min_samples, max_samples, n;
  double last_err;                     /* of the newest sample */
  double min_separation;               /* s between samples */
  double precision;                    /* of the readings */
  double sys_precision;                /* the system clock's */
  bool valid;                          /* offset and frequency are a fit */
  double offset, frequency;            /* s at hw_ref; hardware s per local s */
  struct hcl_quantile q[HCL_QUANTILES];
  int q_set;                           /* first values taken as they came */
  uint64_t rng;                        /* the quantile estimator's draws */
};

/* min/max_samples are clamped to HCL_MIN_SAMPLES..HCL_MAX_SAMPLES (max at
 * least min); precision: of the readings, and the system clock's (s);
 * seed: any value (it drives the quantile estimator's random steps). */
void hcl_init(struct hcl *c, const struct discipline *disc, int min_samples, int max_samples,
              double min_separation, double precision, double sys_precision, uint64_t seed);
/* Forget the samples and the delay estimates. */
void hcl_reset(struct hcl *c);
/* No sample yet, or the last one is min_separation old at `now` (cooked). */
bool hcl_needs_sample(const struct hcl *c, const struct timespec *now);
/* n readings (system clock before, hardware clock, system clock after) made
 * into one: *hw and *sys (the platform's clock), *err (s) and *quality
 * (0..2, above). False for no readings or a negative delay. */
bool hcl_process_readings(struct hcl *c, const struct plat_phc_reading *rd, int n,
                          struct timespec *hw, struct timespec *sys, double *err, int *quality);
/* A sample: hardware time against cooked local time, with its error. */
void hcl_accumulate(struct hcl *c, const struct timespec *hw, const struct timespec *local,
                    double err);
/* A hardware timestamp on the cooked time scale, and the error of the
 * newest sample; false while there is no fit. */
bool hcl_cook(const struct hcl *c, const struct timespec *hw, struct timespec *local,
              double *err);
/* The cooked time scale changed (disc_change_fn). */
void hcl_slew(struct hcl *c, const struct timespec *when, double dfreq, double doffset);

#endif
