/* srcstats: per-source sample statistics; see srcstats.h. The statistics
 * follow chrony's sourcestats.c and regress.c. */
#include "core/srcstats.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/regress.h"
#include "proto/ntp_time.h"
#include "proto/num.h"

/* A line needs 3 points to estimate its own error. */
#define MIN_REGRESS_SAMPLES 3
/* Assumed bounds while nothing better is known. */
#define WORST_FREQ_BOUND 2000e-6
#define WORST_STD_DEV 4.0
#define MIN_SKEW 1e-12
#define MAX_SKEW 1e2
#define MIN_STD_DEV 1e-9
#define MIN_PRECISION 1e-12
/* Assumed ratio of the samples' standard deviation to the spread of their
 * peer distances, for the weights. */
#define SD_TO_DIST_RATIO 0.7
/* Asymmetry estimation: the correction starts after MIN_ASYMMETRY_RUN
 * consecutive estimates of the same sign beyond MIN_ASYMMETRY, and is at
 * most MAX_ASYMMETRY (all jitter on one path). */
#define MAX_ASYMMETRY 0.5
#define MIN_ASYMMETRY 0.45
#define MIN_ASYMMETRY_RUN 10
#define MAX_ASYMMETRY_RUN 1000
#define TIME_LIMIT 9007199254740992LL /* 2^53 s */

/* Two-sided 99.9% quantiles of Student's t distribution (the 99.95% point)
 * for 1..40 degrees of freedom; 3.5 beyond. */
static double t_coef(int dof)
{
  static const float t[40] = {
    636.6, 31.6,  12.92, 8.61,  6.869, 5.959, 5.408, 5.041, 4.781, 4.587,
    4.437, 4.318, 4.221, 4.140, 4.073, 4.015, 3.965, 3.922, 3.883, 3.850,
    3.819, 3.792, 3.768, 3.745, 3.725, 3.707, 3.690, 3.674, 3.659, 3.646,
    3.633, 3.622, 3.611, 3.601, 3.591, 3.582, 3.574, 3.566, 3.558, 3.551,
  };
  return dof <= 40 ? t[dof - 1] : 3.5;
}

static double clamp(double x, double lo, double hi)
{
  return x < lo ? lo : x > hi ? hi : x;
}

static bool time_ok(const struct timespec *t)
{
  return t->tv_nsec >= 0 && t->tv_nsec < 1000000000L && t->tv_sec <= TIME_LIMIT &&
         t->tv_sec >= -TIME_LIMIT;
}

static bool value_ok(double v)
{
  return isfinite(v) && fabs(v) <= SST_MAX_VALUE;
}

static bool nonneg_ok(double v)
{
  return value_ok(v) && v >= 0.0;
}

/* Ring index of sample i: 0 is the oldest in the fit, n - 1 the newest,
 * down to -runs_extra. */
static int slot(const struct sst *s, int i)
{
  return (s->last + SST_RING_SIZE - (s->n - 1 - i)) % SST_RING_SIZE;
}

void sst_init(struct sst *s, int min_samples, int max_samples)
{
  memset(s, 0, sizeof *s);
  s->max_samples = max_samples > 0 && max_samples < SST_MAX_SAMPLES ? max_samples
                                                                      : SST_MAX_SAMPLES;
  s->min_samples = min_samples < 1 ? 1 : min_samples > s->max_samples ? s->max_samples
                                                                       : min_samples;
  s->fixed_asymmetry = SST_DEFAULT_ASYMMETRY;
  s->precision = SST_DEFAULT_PRECISION;
  sst_reset(s);
}

void sst_reset(struct sst *s)
{
  s->n = 0;
  s->runs_extra = 0;
  s->last = 0;
  s->min_delay_idx = 0;
  s->best = 0;
  s->stratum = 0;
  s->leap = 3; /* unsynchronised */
  s->regression_ok = false;
  s->n_runs = 0;
  s->offset_time = (struct timespec){0, 0};
  s->offset = 0.0;
  s->offset_sd = WORST_STD_DEV;
  s->frequency = 0.0;
  s->frequency_sd = WORST_FREQ_BOUND;
  s->skew = WORST_FREQ_BOUND;
  s->std_dev = WORST_STD_DEV;
  s->asymmetry = 0.0;
  s->asymmetry_run = 0;
}

static void find_min_delay(struct sst *s)
{
  s->min_delay_idx = slot(s, -s->runs_extra);
  for (int i = -s->runs_extra + 1; i < s->n; i++)
    if (s->ring[slot(s, i)].peer_delay < s->ring[s->min_delay_idx].peer_delay)
      s->min_delay_idx = slot(s, i);
}

/* Drop the k oldest samples from the fit; they stay for the runs test as
 * long as they are no more than the samples left. */
static void prune(struct sst *s, int k)
{
  if (k == 0)
    return;
  s->n -= k;
  s->runs_extra += k;
  if (s->runs_extra > s->n * (SST_RUNS_RATIO - 1))
    s->runs_extra = s->n * (SST_RUNS_RATIO - 1);
  find_min_delay(s);
}

static bool sample_ok(const struct sst_sample *x)
{
  return time_ok(&x->time) && value_ok(x->offset) && nonneg_ok(x->peer_delay) &&
         nonneg_ok(x->peer_dispersion) && nonneg_ok(x->root_delay) &&
         nonneg_ok(x->root_dispersion);
}

bool sst_add(struct sst *s, const struct sst_sample *x)
{
  if (!sample_ok(x))
    return false;
  if (s->n > 0 && s->n >= s->max_samples)
    prune(s, 1);
  if (s->n > 0 && timespec_diff(&x->time, &s->ring[s->last].time) <= 0.0)
    sst_reset(s);

  s->last = (s->last + 1) % SST_RING_SIZE;
  struct sst_entry *e = &s->ring[s->last];
  e->time = x->time;
  e->offset = x->offset;
  e->orig_offset = x->offset;
  /* A delay below the configured minimum is mirrored above it (chrony's
   * mindelay), so it cannot get the largest weight. */
  e->peer_delay = x->peer_delay < s->min_delay ? 2.0 * s->min_delay - x->peer_delay
                                               : x->peer_delay;
  e->peer_dispersion = x->peer_dispersion;
  e->root_delay = x->root_delay;
  e->root_dispersion = x->root_dispersion;
  s->stratum = x->stratum;
  s->leap = x->leap;
  if (s->n == 0 || e->peer_delay < s->ring[s->min_delay_idx].peer_delay)
    s->min_delay_idx = s->last;
  s->n++;
  return true;
}

int sst_samples(const struct sst *s)
{
  return s->n;
}

int sst_runs(const struct sst *s)
{
  return s->n_runs;
}

double sst_min_delay(const struct sst *s)
{
  if (s->min_delay > 0.0)
    return s->min_delay;
  return s->n > 0 ? s->ring[s->min_delay_idx].peer_delay : DBL_MAX;
}

/* ---- regression ---- */

/* Weights (variances relative to the best sample) from peer distances: 1 up
 * to the smallest distance plus the clock precision, growing with the square
 * of the excess measured in an estimate of the samples' standard deviation. */
static void weights(const struct sst *s, double *w)
{
  double dist[SST_MAX_SAMPLES], min = DBL_MAX;
  double precision = s->precision > MIN_PRECISION ? s->precision : MIN_PRECISION;

  for (int i = 0; i < s->n; i++) {
    const struct sst_entry *e = &s->ring[slot(s, i)];
    dist[i] = 0.5 * e->peer_delay + e->peer_dispersion;
    min = num_fmin(min, dist[i]);
  }
  double sd = (rgr_median(dist, s->n) - min) / SD_TO_DIST_RATIO;
  sd = num_fmax(precision, num_fmin(sd, min));
  min += precision;
  for (int i = 0; i < s->n; i++) {
    double f = dist[i] > min ? 1.0 + (dist[i] - min) / sd : 1.0;
    w[i] = f * f;
  }
}

/* Least-squares slope of y against two variables, intercept included:
 * returns the coefficient of x2, or false if x1 and x2 are (nearly)
 * collinear. */
static bool slope2(const double *x1, const double *x2, const double *y, int n, double *b2)
{
  double m1 = 0, m2 = 0, my = 0;
  double s11 = 0, s12 = 0, s22 = 0, s1y = 0, s2y = 0;

  for (int i = 0; i < n; i++) {
    m1 += x1[i];
    m2 += x2[i];
    my += y[i];
  }
  m1 /= n;
  m2 /= n;
  my /= n;
  for (int i = 0; i < n; i++) {
    double d1 = x1[i] - m1, d2 = x2[i] - m2, dy = y[i] - my;
    s11 += d1 * d1;
    s12 += d1 * d2;
    s22 += d2 * d2;
    s1y += d1 * dy;
    s2y += d2 * dy;
  }
  double det = s11 * s22 - s12 * s12;
  if (!(det > 1e-10 * s11 * s22) || !isfinite(det))
    return false;
  *b2 = (s11 * s2y - s12 * s1y) / det;
  return isfinite(*b2);
}

/* Update the asymmetry estimate from a regression of the offsets against
 * time and delay; true when the correction is active. chrony states the
 * asymmetry for offsets of local minus server: the negated slope here. */
static bool estimate_asymmetry(struct sst *s, const double *x, const double *y,
                               const double *delay, int n)
{
  double b;

  if (n < 4 || !slope2(x, delay, y, n, &b) || -b * s->asymmetry_run < 0.0) {
    s->asymmetry = 0.0;
    s->asymmetry_run = 0;
    return false;
  }
  double a = -b;
  if (a <= -MIN_ASYMMETRY && s->asymmetry_run > -MAX_ASYMMETRY_RUN)
    s->asymmetry_run--;
  else if (a >= MIN_ASYMMETRY && s->asymmetry_run < MAX_ASYMMETRY_RUN)
    s->asymmetry_run++;
  if (abs(s->asymmetry_run) < MIN_ASYMMETRY_RUN)
    return false;
  s->asymmetry = clamp(a, -MAX_ASYMMETRY, MAX_ASYMMETRY);
  return true;
}

/* Move the offsets (all n + runs_extra of x and y) to what they would have
 * been at the minimum delay, given the asymmetry of the jitter. */
static void correct_asymmetry(struct sst *s, const double *x, double *y)
{
  double delay[SST_RING_SIZE];
  int n = s->runs_extra + s->n;

  if (s->fixed_asymmetry == 0.0)
    return;
  double min = sst_min_delay(s);
  for (int i = 0; i < n; i++)
    delay[i] = s->ring[slot(s, i - s->runs_extra)].peer_delay - min;
  if (fabs(s->fixed_asymmetry) <= MAX_ASYMMETRY)
    s->asymmetry = s->fixed_asymmetry;
  else if (!estimate_asymmetry(s, x, y, delay, n))
    return;
  for (int i = 0; i < n; i++)
    y[i] += s->asymmetry * delay[i];
}

struct line {
  double a, b;              /* y = a + b x */
  double u, sw, v;          /* weighted mean of x, sum of 1/w, sum (x-u)^2/w */
};

static bool fit_line(const double *x, const double *y, const double *w, int n,
                     struct line *l)
{
  double su = 0, sw = 0, sy = 0, sxy = 0, v = 0;

  for (int i = 0; i < n; i++) {
    su += x[i] / w[i];
    sw += 1.0 / w[i];
  }
  l->u = su / sw;
  for (int i = 0; i < n; i++) {
    double d = x[i] - l->u;
    sy += y[i] / w[i];
    sxy += y[i] * d / w[i];
    v += d * d / w[i];
  }
  if (!(v > 0.0) || !isfinite(v))
    return false;
  l->b = sxy / v;
  l->a = sy / sw - l->b * l->u;
  l->sw = sw;
  l->v = v;
  return isfinite(l->a) && isfinite(l->b);
}

struct fit {
  double a, b;              /* intercept (at x = 0) and slope */
  double s2;                /* weighted mean variance of the points */
  double sa, sb;            /* standard errors of a and b */
  int start, runs, dof;
};

/* Fit points [start, n) of x, y, w for start = 0, 1, ... until the runs test
 * passes or only max(3, min_samples) points are left. The residuals tested
 * extend back to twice the fitted points, using up to m extra points at
 * negative indices of x and y. */
static bool find_best_fit(const double *x, const double *y, const double *w, int n, int m,
                          int min_samples, struct fit *f)
{
  double resid[SST_RING_SIZE];
  struct line l;
  int start, rs;

  if (n < MIN_REGRESS_SAMPLES)
    return false;
  for (start = 0;; start++) {
    if (!fit_line(x + start, y + start, w + start, n - start, &l))
      return false;
    rs = n - (n - start) * SST_RUNS_RATIO;
    if (rs < -m)
      rs = -m;
    for (int i = rs; i < n; i++)
      resid[i - rs] = y[i] - l.a - l.b * x[i];
    if (rgr_runs(resid, n - rs) > rgr_critical_runs(n - rs) ||
        n - start <= MIN_REGRESS_SAMPLES || n - start <= min_samples)
      break;
  }

  int np = n - start;
  double ss = 0.0;
  for (int i = start; i < n; i++)
    ss += resid[i - rs] * resid[i - rs] / w[i];
  ss /= np - 2;
  f->a = l.a;
  f->b = l.b;
  f->sb = sqrt(ss / l.v);
  f->sa = sqrt(ss / l.sw + (l.u * f->sb) * (l.u * f->sb));
  f->s2 = ss * np / l.sw;
  f->start = start;
  f->runs = rgr_runs(resid + (start - rs), np);
  f->dof = np - 2;
  return isfinite(f->sa) && isfinite(f->sb) && isfinite(f->s2);
}

/* The sample with the smallest root distance now that the skew is known. */
static void find_best_sample(struct sst *s)
{
  const struct timespec *newest = &s->ring[s->last].time;
  double best = DBL_MAX;

  s->best = 0;
  for (int i = 0; i < s->n; i++) {
    const struct sst_entry *e = &s->ring[slot(s, i)];
    double d = e->root_dispersion + 0.5 * e->root_delay + timespec_diff(newest, &e->time) * s->skew;
    if (d < best) {
      best = d;
      s->best = i;
    }
  }
}

static void fit_failed(struct sst *s)
{
  /* The frequency stays: slews keep it meaningful. */
  s->regression_ok = false;
  s->frequency_sd = WORST_FREQ_BOUND;
  s->skew = WORST_FREQ_BOUND;
  s->offset_sd = WORST_STD_DEV;
  s->std_dev = WORST_STD_DEV;
  s->n_runs = 0;
  s->offset = s->n > 0 ? s->ring[s->last].offset : 0.0;
  s->offset_time = s->n > 0 ? s->ring[s->last].time : (struct timespec){0, 0};
}

void sst_regress(struct sst *s)
{
  /* x: times relative to the newest sample (<= 0), y: offsets; index m + i
   * holds sample i, down to the oldest extra sample at 0. */
  double x[SST_RING_SIZE], y[SST_RING_SIZE], w[SST_MAX_SAMPLES];
  int m = s->runs_extra;
  struct fit f;

  if (s->n == 0) {
    fit_failed(s);
    return;
  }
  for (int i = -m; i < s->n; i++) {
    const struct sst_entry *e = &s->ring[slot(s, i)];
    x[m + i] = timespec_diff(&e->time, &s->ring[s->last].time);
    y[m + i] = e->offset;
  }
  weights(s, w);
  correct_asymmetry(s, x, y);

  if (!find_best_fit(x + m, y + m, w, s->n, m, s->min_samples, &f)) {
    fit_failed(s);
    find_best_sample(s);
    return;
  }
  s->regression_ok = true;
  s->offset = f.a;
  s->offset_time = s->ring[s->last].time;
  s->offset_sd = f.sa;
  s->frequency = f.b;
  s->frequency_sd = clamp(f.sb, MIN_SKEW, MAX_SKEW);
  s->skew = clamp(f.sb * t_coef(f.dof), MIN_SKEW, MAX_SKEW);
  s->std_dev = num_fmax(MIN_STD_DEV, sqrt(f.s2));
  s->n_runs = f.runs;
  prune(s, f.start);
  find_best_sample(s);
}

/* ---- results ---- */

bool sst_get_selection_data(const struct sst *s, const struct timespec *now,
                            struct sst_selection *out)
{
  if (s->n == 0)
    return false;
  const struct sst_entry *b = &s->ring[slot(s, s->best)];
  double elapsed = fabs(timespec_diff(now, &b->time));

  out->offset = b->offset + elapsed * s->frequency;
  out->root_distance = 0.5 * b->root_delay + b->root_dispersion + elapsed * s->skew;
  out->lo_limit = out->offset - out->root_distance;
  out->hi_limit = out->offset + out->root_distance;
  out->std_dev = s->std_dev;
  out->first_sample_ago = timespec_diff(now, &s->ring[slot(s, 0)].time);
  out->last_sample_ago = timespec_diff(now, &s->ring[s->last].time);
  out->stratum = s->stratum;
  out->leap = s->leap;
  out->select_ok = s->regression_ok;
  /* maxsamples 1 or 2 (e.g. for -q): selectable without a regression. */
  if (!s->regression_ok && s->n < MIN_REGRESS_SAMPLES && s->n == s->max_samples) {
    out->std_dev = s->max_jitter;
    out->select_ok = true;
  }
  return true;
}

bool sst_get_tracking_data(const struct sst *s, const struct timespec *now,
                           struct sst_tracking *out)
{
  if (s->n == 0)
    return false;
  const struct sst_entry *b = &s->ring[slot(s, s->best)];

  out->ref_time = s->offset_time;
  out->offset = s->offset;
  out->offset_now = s->offset + s->frequency * timespec_diff(now, &s->offset_time);
  out->offset_sd = s->offset_sd;
  out->frequency = s->frequency;
  out->frequency_sd = s->frequency_sd;
  out->skew = s->skew;
  out->std_dev = s->std_dev;
  out->root_delay = b->root_delay;
  out->root_dispersion = b->root_dispersion + s->skew * timespec_diff(&s->offset_time, &b->time) +
                         s->offset_sd;
  return true;
}

bool sst_get_delay_test_data(const struct sst *s, const struct timespec *sample_time,
                             struct sst_delay_test *out)
{
  /* chrony requires 6 samples regardless of minsamples. */
  if (s->n < 6)
    return false;
  out->last_sample_ago = timespec_diff(sample_time, &s->offset_time);
  out->predicted_offset = s->offset + out->last_sample_ago * s->frequency;
  out->min_delay = sst_min_delay(s);
  out->skew = s->skew;
  out->std_dev = s->std_dev;
  return true;
}

void sst_get_report(const struct sst *s, const struct timespec *now, struct sst_report *out)
{
  memset(out, 0, sizeof *out);
  out->n_samples = s->n;
  out->n_runs = s->n_runs;
  out->frequency = s->frequency;
  out->skew = s->skew;
  out->std_dev = s->std_dev;
  out->asymmetry = s->asymmetry;
  out->last_ago = -1.0;
  if (s->n == 0)
    return;

  const struct sst_entry *newest = &s->ring[s->last], *b = &s->ring[slot(s, s->best)];
  out->span = timespec_diff(&newest->time, &s->ring[slot(s, 0)].time);
  out->offset = s->offset + s->frequency * timespec_diff(now, &s->offset_time);
  out->offset_err = s->offset_sd + timespec_diff(now, &b->time) * s->skew + 0.5 * b->root_delay +
                    b->root_dispersion;
  out->last_offset = newest->offset;
  out->last_orig_offset = newest->orig_offset;
  out->last_err = 0.5 * newest->root_delay + newest->root_dispersion;
  out->last_ago = timespec_diff(now, &newest->time);
}

double sst_predict_offset(const struct sst *s, const struct timespec *when)
{
  if (s->n < MIN_REGRESS_SAMPLES)
    return s->n > 0 ? s->ring[s->last].offset : 0.0;
  return s->offset + s->frequency * timespec_diff(when, &s->offset_time);
}

void sst_get_frequency_range(const struct sst *s, double *lo, double *hi)
{
  /* Bounded, as chrony, so that the dispersion test does not fail too
   * easily while the frequency is unknown. */
  if (s->skew > WORST_FREQ_BOUND) {
    *lo = -WORST_FREQ_BOUND;
    *hi = WORST_FREQ_BOUND;
  } else {
    *lo = s->frequency - s->skew;
    *hi = s->frequency + s->skew;
  }
}

double sst_poll_adjust(const struct sst *s, double error_in_estimate, double peer_distance,
                       int poll_target)
{
  if (!(peer_distance > DBL_MIN))
    peer_distance = DBL_MIN;
  if (!(error_in_estimate < DBL_MAX))
    error_in_estimate = DBL_MAX;
  /* Not even within the peer distance: back off by how far out it is. */
  if (error_in_estimate > peer_distance)
    return -(num_log2(error_in_estimate) - num_log2(peer_distance));

  double target = poll_target > 1 ? poll_target : 1;
  double adj = (s->n / target - 1.0) / target;
  return s->n < target ? 2.0 * adj : adj;
}

/* ---- clock adjustments ---- */

/* Re-express local time t in the adjusted clock; returns how far it moved. */
static double adjust_time(struct timespec *t, const struct timespec *when, double dfreq,
                          double doffset)
{
  double delta = doffset - dfreq * timespec_diff(when, t);

  *t = timespec_add_double(t, delta);
  return delta;
}

bool sst_slew_samples(struct sst *s, const struct timespec *when, double dfreq, double doffset)
{
  if (!time_ok(when) || !isfinite(dfreq) || fabs(dfreq) >= 1.0 || !value_ok(doffset))
    return false;
  if (s->n == 0)
    return true;

  bool ok = true;
  for (int i = -s->runs_extra; i < s->n && ok; i++) {
    struct sst_entry *e = &s->ring[slot(s, i)];
    e->offset -= adjust_time(&e->time, when, dfreq, doffset);
    ok = time_ok(&e->time);
  }
  s->offset -= adjust_time(&s->offset_time, when, dfreq, doffset);
  /* The line's slope in the new clock's time (exact for a line). */
  s->frequency = (s->frequency - dfreq) / (1.0 + dfreq);
  /* Times moved out of the range this module computes with: start over. */
  if (!ok || !time_ok(&s->offset_time))
    sst_reset(s);
  return true;
}

void sst_correct_offset(struct sst *s, double doffset)
{
  if (s->n == 0 || !value_ok(doffset))
    return;
  for (int i = -s->runs_extra; i < s->n; i++)
    s->ring[slot(s, i)].offset += doffset;
  s->offset += doffset;
}

bool sst_add_dispersion(struct sst *s, double dispersion)
{
  if (!nonneg_ok(dispersion))
    return false;
  for (int i = 0; i < s->n; i++) {
    struct sst_entry *e = &s->ring[slot(s, i)];
    e->root_dispersion += dispersion;
    e->peer_dispersion += dispersion;
  }
  return true;
}

/* ---- dumps ---- */

void sst_export(const struct sst *s, struct sst_dump *out)
{
  memset(out, 0, sizeof *out);
  out->n = s->n;
  out->stratum = s->stratum;
  out->leap = s->leap;
  out->asymmetry = s->asymmetry;
  out->asymmetry_run = s->asymmetry_run;
  for (int i = 0; i < s->n; i++) {
    const struct sst_entry *e = &s->ring[slot(s, i)];
    out->samples[i] = (struct sst_dump_sample){
      .time = e->time, .offset = e->offset, .orig_offset = e->orig_offset,
      .peer_delay = e->peer_delay, .peer_dispersion = e->peer_dispersion,
      .root_delay = e->root_delay, .root_dispersion = e->root_dispersion,
    };
  }
}

static bool dump_sample_ok(const struct sst_dump_sample *x)
{
  return time_ok(&x->time) && value_ok(x->offset) && value_ok(x->orig_offset) &&
         nonneg_ok(x->peer_delay) && nonneg_ok(x->peer_dispersion) &&
         nonneg_ok(x->root_delay) && nonneg_ok(x->root_dispersion);
}

bool sst_dump_valid(const struct sst_dump *d)
{
  if (d->n < 0 || d->n > SST_MAX_SAMPLES || d->stratum < 0 || d->stratum > 15 || d->leap > 3 ||
      !isfinite(d->asymmetry) || fabs(d->asymmetry) > MAX_ASYMMETRY ||
      abs(d->asymmetry_run) > MAX_ASYMMETRY_RUN)
    return false;
  for (int i = 0; i < d->n; i++) {
    if (!dump_sample_ok(&d->samples[i]))
      return false;
    if (i > 0 && !(timespec_diff(&d->samples[i].time, &d->samples[i - 1].time) > 0.0))
      return false;
  }
  return true;
}

bool sst_import(struct sst *s, const struct sst_dump *d)
{
  if (!sst_dump_valid(d))
    return false;
  sst_reset(s);
  for (int i = d->n > s->max_samples ? d->n - s->max_samples : 0; i < d->n; i++) {
    const struct sst_dump_sample *x = &d->samples[i];
    s->last = (s->last + 1) % SST_RING_SIZE;
    s->ring[s->last] = (struct sst_entry){
      .time = x->time, .offset = x->offset, .orig_offset = x->orig_offset,
      .peer_delay = x->peer_delay, .peer_dispersion = x->peer_dispersion,
      .root_delay = x->root_delay, .root_dispersion = x->root_dispersion,
    };
    if (s->n == 0 || x->peer_delay < s->ring[s->min_delay_idx].peer_delay)
      s->min_delay_idx = s->last;
    s->n++;
  }
  s->stratum = d->stratum;
  s->leap = d->leap;
  s->asymmetry = d->asymmetry;
  s->asymmetry_run = d->asymmetry_run;
  sst_regress(s);
  return true;
}
