/* hwclock: see hwclock.h. Follows chrony's hwclock.c, with its quantile
 * estimator (core/quantile.h) and robust regression (regress.c). */
#include "core/hwclock.h"

#include <math.h>
#include <string.h>

#include "core/regress.h"
#include "proto/num.h"
#include "proto/timespec.h"

#define MAX_FREQ_OFFSET (2.0 / 3.0)  /* of the hardware clock, s/s */
#define REGRESS_TOL 1e-10            /* of the robust fit's slope */

/* The delay quantiles: k/q for k = 1, 2 of q = 10 (core/quantile.h),
 * steps of Q_MIN_STEP, negative steps bounded at Q_LARGE_STEP_DELAY of
 * them (chrony's values). */
#define Q_MIN_K 1
#define Q_MAX_K 2
#define Q_Q 10
#define Q_MIN_STEP 1e-9
#define Q_LARGE_STEP_DELAY 1000

static double clampd(double x, double lo, double hi)
{
  return x < lo ? lo : x > hi ? hi : x;
}

/* ---- quantiles of the readings' delays (stochastic estimates) ---- */

/* A uniform draw in [0, 1) (xorshift64*), for the quantile estimates. */
static double draw(void *arg)
{
  struct hcl *c = arg;
  c->rng ^= c->rng >> 12;
  c->rng ^= c->rng << 25;
  c->rng ^= c->rng >> 27;
  return (double)((c->rng * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53;
}

/* ---- the clock ---- */

void hcl_init(struct hcl *c, const struct discipline *disc, int min_samples, int max_samples,
              double min_separation, double precision, double sys_precision, uint64_t seed)
{
  memset(c, 0, sizeof(*c));
  c->disc = disc;
  c->min_samples = (int)clampd(min_samples, HCL_MIN_SAMPLES, HCL_MAX_SAMPLES);
  c->max_samples = (int)clampd(max_samples, HCL_MIN_SAMPLES, HCL_MAX_SAMPLES);
  if (c->max_samples < c->min_samples)
    c->max_samples = c->min_samples;
  c->min_separation = min_separation;
  c->precision = precision;
  c->sys_precision = sys_precision;
  c->rng = seed ? seed : 1;     /* xorshift never leaves 0 */
  qnt_init(&c->q, Q_MIN_K, Q_MAX_K, Q_Q, Q_MIN_STEP, Q_LARGE_STEP_DELAY);
}

void hcl_reset(struct hcl *c)
{
  c->n = 0;
  c->valid = false;
  qnt_reset(&c->q);
}

bool hcl_needs_sample(const struct hcl *c, const struct timespec *now)
{
  return c->n == 0 || fabs(timespec_diff(now, &c->local_ref)) >= c->min_separation;
}

bool hcl_process_readings(struct hcl *c, const struct plat_phc_reading *rd, int n,
                          struct timespec *hw, struct timespec *sys, double *err, int *quality)
{
  if (n < 1)
    return false;

  /* Delays are measured in cooked seconds: the rate of the cooked scale
   * over the platform's across the readings. */
  double freq = 1.0, raw_span = timespec_diff(&rd[n - 1].sys_after, &rd[0].sys_before);
  if (raw_span > 0.0) {
    struct timespec a = disc_cook(c->disc, &rd[0].sys_before);
    struct timespec b = disc_cook(c->disc, &rd[n - 1].sys_after);
    freq = timespec_diff(&b, &a) / raw_span;
  }

  int min_i = 0;
  double min_delay = 0.0;
  for (int i = 0; i < n; i++) {
    double delay = freq * timespec_diff(&rd[i].sys_after, &rd[i].sys_before);
    if (!(delay >= 0.0))       /* a step in the middle of a reading */
      return false;
    if (i == 0 || delay < min_delay) {
      min_delay = delay;
      min_i = i;
    }
    qnt_accumulate(&c->q, delay, draw, c);
  }

  double low = qnt_get(&c->q, Q_MIN_K) - Q_MIN_STEP / 2.0;
  double high = qnt_get(&c->q, Q_MAX_K) + Q_MIN_STEP / 2.0;
  low = num_fmin(low, high);
  high = num_fmax(high, low + c->sys_precision);

  /* The readings with a delay in the expected interval, averaged. */
  double delay_sum = 0.0, hw_sum = 0.0, sys_sum = 0.0;
  int combined = 0;
  for (int i = 0; i < n; i++) {
    double raw_delay = timespec_diff(&rd[i].sys_after, &rd[i].sys_before);
    double delay = freq * raw_delay;
    if (delay < low || delay > high)
      continue;
    delay_sum += delay;
    hw_sum += timespec_diff(&rd[i].phc, &rd[0].phc);
    sys_sum += timespec_diff(&rd[i].sys_before, &rd[0].sys_before) + raw_delay / 2.0;
    combined++;
  }
  if (combined > 0) {
    *hw = timespec_add_double(&rd[0].phc, hw_sum / combined);
    *sys = timespec_add_double(&rd[0].sys_before, sys_sum / combined);
    *err = num_fmax(delay_sum / combined / 2.0, c->precision);
    *quality = 2;
    return true;
  }

  /* The shortest reading: good enough if the tracked clock's prediction
   * falls outside its error, or there is none yet. */
  *hw = rd[min_i].phc;
  *sys = timespec_add_double(&rd[min_i].sys_before, min_delay / freq / 2.0);
  *err = num_fmax(min_delay / 2.0, c->precision);
  struct timespec cooked = disc_cook(c->disc, sys), predicted;
  double e;
  *quality = !hcl_cook(c, hw, &predicted, &e) || timespec_diff(&cooked, &predicted) > *err;
  return true;
}

void hcl_accumulate(struct hcl *c, const struct timespec *hw, const struct timespec *local,
                    double err)
{
  /* Local intervals as the uncorrected oscillator counts them (the base
   * frequency is positive when the clock is made to run faster), so that a
   * change of frequency does not bend the line. */
  double local_freq = 1.0 + disc_base_freq(c->disc) / 1e6;
  int max = c->max_samples, b0 = HCL_MAX_SAMPLES - max;
  double *x = c->x + b0, *y = c->y + b0;

  /* Shift the older samples, relative to the new one. */
  if (c->n > 0) {
    if (c->n >= max)
      c->n--;
    double hw_delta = timespec_diff(hw, &c->hw_ref);
    double local_delta = timespec_diff(local, &c->local_ref) / local_freq;
    if (hw_delta <= 0.0 || local_delta < c->min_separation / 2.0)
      c->n = 0;
    for (int i = max - c->n; i < max; i++) {
      y[i - 1] = y[i] - hw_delta;
      x[i - 1] = x[i] - local_delta;
    }
  }
  x[max - 1] = y[max - 1] = 0.0;
  c->n++;
  c->hw_ref = *hw;
  c->local_ref = *local;
  c->last_err = err;

  double raw_freq;
  int start, runs;
  c->valid = rgr_robust_fit(x + max - c->n, y + max - c->n, c->n, REGRESS_TOL, &c->offset,
                            &raw_freq, &runs, &start);
  if (!c->valid)
    return;
  c->frequency = raw_freq / local_freq;
  if (c->n > c->min_samples)
    c->n -= start < c->n - c->min_samples ? start : c->n - c->min_samples;

  /* A fit that misses the newest sample's error, or an insane frequency:
   * start again. */
  if (fabs(c->offset) > err || fabs(c->frequency - 1.0) > MAX_FREQ_OFFSET) {
    c->n = 0;
    c->valid = false;
  }
}

bool hcl_cook(const struct hcl *c, const struct timespec *hw, struct timespec *local,
              double *err)
{
  if (!c->valid)
    return false;
  double elapsed = timespec_diff(hw, &c->hw_ref);
  *local = timespec_add_double(&c->local_ref, elapsed / c->frequency - c->offset);
  if (err)
    *err = c->last_err;
  return true;
}

void hcl_slew(struct hcl *c, const struct timespec *when, double dfreq, double doffset)
{
  if (c->n > 0)
    disc_slew_time(&c->local_ref, when, dfreq, doffset);
  if (c->valid)
    c->frequency /= 1.0 + dfreq;
}
