/* hwclock: see hwclock.h. Follows chrony's hwclock.c, its quantile
 * estimator (quantiles.c) and robust regression (regress.c). */
#include "core/hwclock.h"

#include <math.h>
#include <string.h>

#include "core/srcstats.h"
#include "proto/timespec.h"

#define MAX_FREQ_OFFSET (2.0 / 3.0)  /* of the hardware clock, s/s */
#define REGRESS_TOL 1e-10            /* of the robust fit's slope */

/* The delay quantiles: k/q for k = 1, 2 of q = 10, each estimated REPEAT
 * times and the median taken; steps of MIN_STEP, negative steps bounded at
 * LARGE_STEP_DELAY of them (chrony's values). */
#define Q_MIN_K 1
#define Q_MAX_K 2
#define Q_Q 10
#define Q_REPEAT 7
#define Q_MIN_STEP 1e-9
#define Q_NEG_STEP_LIMIT (-1000 * Q_MIN_STEP)

static double clampd(double x, double lo, double hi)
{
  return x < lo ? lo : x > hi ? hi : x;
}

/* ---- quantiles of the readings' delays (stochastic estimates) ---- */

/* A uniform draw in [0, 1) (xorshift64*). */
static double draw(struct hcl *c)
{
  c->rng ^= c->rng >> 12;
  c->rng ^= c->rng << 25;
  c->rng ^= c->rng >> 27;
  return (double)((c->rng * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53;
}

static void quantiles_reset(struct hcl *c)
{
  c->q_set = 0;
  for (int i = 0; i < HCL_QUANTILES; i++)
    c->q[i] = (struct hcl_quantile){.est = 0.0, .step = Q_MIN_STEP, .sign = 1};
}

/* The first values: kept sorted, each repeated, the largest filling the
 * estimates not set yet. */
static void quantile_initial(struct hcl *c, double value)
{
  int i, r = Q_REPEAT;

  for (i = c->q_set; i > 0 && c->q[(i - 1) * r].est > value; i--)
    for (int j = 0; j < r; j++)
      c->q[i * r + j].est = c->q[(i - 1) * r].est;
  for (int j = 0; j < r; j++)
    c->q[i * r + j].est = value;
  c->q_set++;
  for (i = c->q_set * r; i < HCL_QUANTILES; i++)
    c->q[i].est = c->q[i - 1].est;
}

/* One step of an estimate of the p-quantile towards value, taken with
 * probability p (value above) or 1 - p (below); the step grows while it
 * keeps its direction. */
static void quantile_step(struct hcl_quantile *q, double value, double p, double rand)
{
  if (value >= q->est) {
    if (rand < 1.0 - p)
      return;
    q->step += q->sign > 0 ? Q_MIN_STEP : -Q_MIN_STEP;
    q->est += q->step > Q_MIN_STEP ? q->step : Q_MIN_STEP;
    if (q->est > value) {
      q->step += value - q->est;
      q->est = value + Q_MIN_STEP / 4.0;
    }
    if (q->sign < 0 && q->step > Q_MIN_STEP)
      q->step = Q_MIN_STEP;
    q->sign = 1;
  } else {
    if (rand < p)
      return;
    q->step += q->sign < 0 ? Q_MIN_STEP : -Q_MIN_STEP;
    q->est -= q->step > Q_MIN_STEP ? q->step : Q_MIN_STEP;
    if (q->est < value) {
      q->step += q->est - value;
      q->est = value - Q_MIN_STEP / 4.0;
    }
    if (q->sign > 0 && q->step > Q_MIN_STEP)
      q->step = Q_MIN_STEP;
    q->sign = -1;
  }
  if (q->step < Q_NEG_STEP_LIMIT)
    q->step = Q_NEG_STEP_LIMIT;
}

static void quantiles_add(struct hcl *c, double value)
{
  if (c->q_set * Q_REPEAT < HCL_QUANTILES) {
    quantile_initial(c, value);
    return;
  }
  for (int i = 0; i < HCL_QUANTILES; i++)
    quantile_step(&c->q[i], value, (double)(i / Q_REPEAT + Q_MIN_K) / Q_Q, draw(c));
}

static double quantile(const struct hcl *c, int k)
{
  double est[Q_REPEAT];
  for (int i = 0; i < Q_REPEAT; i++)
    est[i] = c->q[(k - Q_MIN_K) * Q_REPEAT + i].est;
  return sst_median(est, Q_REPEAT);
}

/* ---- robust regression (least absolute deviations) ---- */

/* For slope b: the intercept a (the median of y - bx) and the sum of x
 * signed by the residuals, whose root in b is the robust slope. */
static double robust_residual(const double *x, const double *y, int n, double b, double *a)
{
  double d[HCL_MAX_SAMPLES] = {0}, res = 0.0;  /* {0}: gcc cannot see n <= 64 */

  for (int i = 0; i < n; i++)
    d[i] = y[i] - b * x[i];
  *a = sst_median(d, n);
  for (int i = 0; i < n; i++) {
    double del = y[i] - *a - b * x[i];
    if (del > 0.0)
      res += x[i];
    else if (del < 0.0)
      res -= x[i];
  }
  return res;
}

/* y = b0 + b1 x fitted to points [start, n), start growing from 0 until
 * the residuals pass the runs test or 3 points are left; false for fewer
 * than 2 points or no root. */
static bool robust_fit(const double *x, const double *y, int n, double *b0, double *b1,
                       int *best_start)
{
  if (n < 2)
    return false;
  if (n == 2) {
    *b1 = (y[1] - y[0]) / (x[1] - x[0]);
    *b0 = y[0] - *b1 * x[0];
    *best_start = 0;
    return true;
  }
  for (int start = 0;; start++) {
    const double *xs = x + start, *ys = y + start;
    int np = n - start;
    double mx = 0.0, my = 0.0, sxy = 0.0, sxx = 0.0, s2 = 0.0, a, b;

    /* Least squares for a start, and its slope's deviation for the bracket. */
    for (int i = 0; i < np; i++) {
      mx += xs[i];
      my += ys[i];
    }
    mx /= np;
    my /= np;
    for (int i = 0; i < np; i++) {
      sxy += (ys[i] - my) * (xs[i] - mx);
      sxx += (xs[i] - mx) * (xs[i] - mx);
    }
    b = sxy / sxx;
    a = my - b * mx;
    for (int i = 0; i < np; i++)
      s2 += (ys[i] - a - b * xs[i]) * (ys[i] - a - b * xs[i]);

    double incr = fmax(sqrt(s2 * np / sxx), REGRESS_TOL), blo, bhi, rlo, rhi;
    do {
      incr *= 2.0;
      if (!(incr <= 100.0))
        return false;
      blo = b - incr;
      bhi = b + incr;
      rlo = robust_residual(xs, ys, np, blo, &a);
      rhi = robust_residual(xs, ys, np, bhi, &a);
    } while (rlo * rhi >= 0.0);

    double bmid;
    do {
      bmid = 0.5 * (blo + bhi);
      if (!(blo < bmid && bmid < bhi))
        break;
      double rmid = robust_residual(xs, ys, np, bmid, &a);
      if (rmid == 0.0)
        break;
      if (rmid * rlo > 0.0) {
        blo = bmid;
        rlo = rmid;
      } else {
        bhi = bmid;
        rhi = rmid;
      }
    } while (bhi - blo > REGRESS_TOL);
    *b0 = a;
    *b1 = bmid;
    *best_start = start;
    if (np == 3)
      return true;
    double resid[HCL_MAX_SAMPLES];
    for (int i = 0; i < np; i++)
      resid[i] = ys[i] - a - bmid * xs[i];
    if (sst_runs_pass(resid, np))
      return true;
  }
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
  quantiles_reset(c);
}

void hcl_reset(struct hcl *c)
{
  c->n = 0;
  c->valid = false;
  quantiles_reset(c);
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
    quantiles_add(c, delay);
  }

  double low = quantile(c, Q_MIN_K) - Q_MIN_STEP / 2.0;
  double high = quantile(c, Q_MAX_K) + Q_MIN_STEP / 2.0;
  low = fmin(low, high);
  high = fmax(high, low + c->sys_precision);

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
    *err = fmax(delay_sum / combined / 2.0, c->precision);
    *quality = 2;
    return true;
  }

  /* The shortest reading: good enough if the tracked clock's prediction
   * falls outside its error, or there is none yet. */
  *hw = rd[min_i].phc;
  *sys = timespec_add_double(&rd[min_i].sys_before, min_delay / freq / 2.0);
  *err = fmax(min_delay / 2.0, c->precision);
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
  int start;
  c->valid = robust_fit(x + max - c->n, y + max - c->n, c->n, &c->offset, &raw_freq, &start);
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
