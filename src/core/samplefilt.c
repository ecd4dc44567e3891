#include "core/samplefilt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ntp_packet.h"
#include "proto/ntp_time.h"
#include "proto/num.h"

#define DISPERSION_SELECT 1.5     /* of the smallest peer dispersion */
#define MIN_SELECTED 4
#define MIN_REGRESSION 4          /* samples for a line fit instead of a mean */
#define MIN_VARIANCE 1e-20
#define AVG_VAR_DOF 50.0          /* memory of the long-term average */

static int clamp_count(int n)
{
  return n < 1 ? 1 : n > SPF_MAX_SAMPLES ? SPF_MAX_SAMPLES : n;
}

void spf_configure(struct spf *f, int min_samples, int max_samples, double max_dispersion,
                   double combine_ratio)
{
  memset(f, 0, sizeof(*f));
  f->min_samples = clamp_count(min_samples);
  f->max_samples = clamp_count(max_samples);
  if (f->max_samples < f->min_samples)
    f->max_samples = f->min_samples;
  f->max_var = max_dispersion > 0.0 ? max_dispersion * max_dispersion : 0.0;
  f->combine_ratio = num_fmin(num_fmax(combine_ratio, 0.0), 1.0);
}

void spf_init(struct spf *f, int length)
{
  spf_configure(f, 1, length, NTP_MAX_DISPERSION, 0.0);
}

static bool sample_ok(const struct sst_sample *s)
{
  return isfinite(s->offset) && isfinite(s->peer_delay) && isfinite(s->peer_dispersion) &&
         isfinite(s->root_delay) && isfinite(s->root_dispersion) && s->time.tv_nsec >= 0 &&
         s->time.tv_nsec < 1000000000L;
}

bool spf_accumulate(struct spf *f, const struct sst_sample *s)
{
  if (!sample_ok(s) || (f->have_last && timespec_diff(&s->time, &f->last_time) <= 0.0))
    return false;
  /* Full: the window slides (the oldest goes). */
  if (f->used == f->max_samples)
    memmove(&f->samples[0], &f->samples[1], (size_t)--f->used * sizeof(f->samples[0]));
  f->samples[f->used++] = *s;
  f->newest = *s;
  f->keep_newest = true;
  f->last_time = s->time;
  f->last_delay = s->peer_delay;
  f->have_last = true;
  return true;
}

int spf_samples(const struct spf *f)
{
  return f->used;
}

bool spf_last_delay(const struct spf *f, double *delay)
{
  *delay = f->last_delay;
  return f->have_last;
}

bool spf_last_sample(const struct spf *f, struct sst_sample *out)
{
  if (f->keep_newest)
    *out = f->newest;
  return f->keep_newest;
}

double spf_avg_dispersion(const struct spf *f)
{
  return f->avg_var_n > 0 ? sqrt(f->avg_var) : 0.0;
}

void spf_drop(struct spf *f)
{
  f->used = 0;
  f->keep_newest = false;
}

void spf_add_dispersion(struct spf *f, double dispersion)
{
  if (!isfinite(dispersion))
    return;
  for (int i = 0; i < f->used; i++) {
    f->samples[i].peer_dispersion += dispersion;
    f->samples[i].root_dispersion += dispersion;
  }
}

/* Indices of the samples with a peer dispersion near the smallest (when
 * enough of them), else of all; returns their count. */
static int select_by_dispersion(const struct spf *f, int *sel)
{
  int n = 0;
  if (f->used > MIN_SELECTED) {
    double min = f->samples[0].peer_dispersion;
    for (int i = 1; i < f->used; i++)
      min = num_fmin(min, f->samples[i].peer_dispersion);
    for (int i = 0; i < f->used; i++)
      if (f->samples[i].peer_dispersion <= DISPERSION_SELECT * min)
        sel[n++] = i;
  }
  if (n < MIN_SELECTED)
    for (n = 0; n < f->used; n++)
      sel[n] = n;
  return n;
}

static const struct spf *sort_filter;   /* qsort has no context argument */

static int by_offset(const void *a, const void *b)
{
  double x = sort_filter->samples[*(const int *)a].offset;
  double y = sort_filter->samples[*(const int *)b].offset;
  return (x > y) - (x < y);
}

static int by_index(const void *a, const void *b)
{
  return *(const int *)a - *(const int *)b;
}

/* The samples nearest the median offset, as many as the combine ratio
 * keeps, in time order; returns their count. */
static int select_samples(const struct spf *f, int *sel)
{
  int n = select_by_dispersion(f, sel);
  sort_filter = f;
  qsort(sel, (size_t)n, sizeof(*sel), by_offset);
  int from = 0;
  if (n > 2) {
    from = (int)(n * (1.0 - f->combine_ratio) / 2.0);
    from = from < 1 ? 1 : from > (n - 1) / 2 ? (n - 1) / 2 : from;
  }
  int kept = n - 2 * from;
  memmove(sel, sel + from, (size_t)kept * sizeof(*sel));
  qsort(sel, (size_t)kept, sizeof(*sel), by_index);
  return kept;
}

/* 90 % quantiles of chi-square for 1..64 degrees of freedom (chrony's
 * table); 1.2 per degree beyond, as chrony. */
static double chi2_coef(int dof)
{
  static const float c[64] = {
    2.706,  4.605,  6.251,  7.779,  9.236,  10.645, 12.017, 13.362, 14.684, 15.987, 17.275,
    18.549, 19.812, 21.064, 22.307, 23.542, 24.769, 25.989, 27.204, 28.412, 29.615, 30.813,
    32.007, 33.196, 34.382, 35.563, 36.741, 37.916, 39.087, 40.256, 41.422, 42.585, 43.745,
    44.903, 46.059, 47.212, 48.363, 49.513, 50.660, 51.805, 52.949, 54.090, 55.230, 56.369,
    57.505, 58.641, 59.774, 60.907, 62.038, 63.167, 64.295, 65.422, 66.548, 67.673, 68.796,
    69.919, 71.040, 72.160, 73.279, 74.397, 75.514, 76.630, 77.745, 78.860,
  };
  return dof <= 64 ? c[dof - 1] : 1.2 * dof;
}

/* Fold a new variance estimate into the long-term average; returns the
 * average before it. */
static double update_avg_var(struct spf *f, double var, int dof, double precision)
{
  if (f->avg_var_n == 0)
    f->avg_var = precision * precision;
  double prev = f->avg_var;
  if (f->avg_var_n > AVG_VAR_DOF) {
    f->avg_var += dof / (dof + AVG_VAR_DOF) * (var - f->avg_var);
  } else {
    f->avg_var = (f->avg_var * f->avg_var_n + var * dof) / (dof + f->avg_var_n);
    if (f->avg_var_n == 0)
      prev = f->avg_var;
    f->avg_var_n += dof;
  }
  return prev;
}

/* The spread of n >= MIN_REGRESSION offsets around a line weighted by the
 * peer dispersions (x: times from their mean): the variance of the points
 * and the intercept's standard error. */
static void line_spread(const double *x, const double *y, const double *w, int n, double *var,
                        double *intercept_sd)
{
  double sw = 0.0, sx = 0.0, sy = 0.0, sxy = 0.0, sxx = 0.0, s2 = 0.0;
  for (int i = 0; i < n; i++) {
    sw += 1.0 / w[i];
    sx += x[i] / w[i];
  }
  double u = sx / sw;
  for (int i = 0; i < n; i++) {
    double d = x[i] - u;
    sy += y[i] / w[i];
    sxy += y[i] * d / w[i];
    sxx += d * d / w[i];
  }
  double b1 = sxx > 0.0 ? sxy / sxx : 0.0;
  double b0 = sy / sw - b1 * u;
  for (int i = 0; i < n; i++) {
    double r = y[i] - b0 - b1 * x[i];
    s2 += r * r / w[i];
  }
  s2 /= n - 2;
  double sb1 = sxx > 0.0 ? sqrt(s2 / sxx) : 0.0;
  *intercept_sd = sqrt(s2 / sw + u * sb1 * u * sb1);
  *var = s2 * n / sw;
}

/* Combine the n selected samples; false if they are too noisy. */
static bool combine(struct spf *f, const int *sel, int n, double precision,
                    struct sst_sample *out)
{
  const struct sst_sample *newest = &f->samples[sel[n - 1]];
  double x[SPF_MAX_SAMPLES], y[SPF_MAX_SAMPLES], w[SPF_MAX_SAMPLES];
  double mean_x = 0.0, mean_y = 0.0, var, disp;
  int dof;
  struct sst_sample m = {0};
  for (int i = 0; i < n; i++) {
    const struct sst_sample *s = &f->samples[sel[i]];
    x[i] = timespec_diff(&s->time, &newest->time);
    y[i] = s->offset;
    w[i] = s->peer_dispersion;
    mean_x += x[i] / n;
    mean_y += y[i] / n;
    m.peer_delay += s->peer_delay / n;
    m.peer_dispersion += s->peer_dispersion / n;
    m.root_delay += s->root_delay / n;
    m.root_dispersion += s->root_dispersion / n;
  }
  if (n >= MIN_REGRESSION) {
    for (int i = 0; i < n; i++)
      x[i] -= mean_x;
    line_spread(x, y, w, n, &var, &disp);
    dof = n - 2;
  } else if (n >= 2) {
    var = 0.0;
    for (int i = 0; i < n; i++)
      var += (y[i] - mean_y) * (y[i] - mean_y);
    var /= n - 1;
    disp = sqrt(var);
    dof = n - 1;
  } else {
    var = f->avg_var_n > 0 ? f->avg_var : precision * precision;
    disp = sqrt(var);
    dof = 1;
  }
  if (!isfinite(var) || !isfinite(disp))
    return false;
  if (var < MIN_VARIANCE) {
    var = MIN_VARIANCE;
    disp = sqrt(var);
  }
  if (f->max_var > 0.0 && var > f->max_var)
    return false;
  /* Unless clearly smaller, the long-term average is the better estimate
   * (less noise in the statistics' weights). */
  if (var * dof / chi2_coef(dof) < update_avg_var(f, var, dof, precision))
    disp = sqrt(f->avg_var) * disp / sqrt(var);

  *out = m;
  out->time = timespec_add_double(&newest->time, mean_x);
  out->offset = mean_y;
  out->peer_dispersion = num_fmax(disp, m.peer_dispersion);
  out->root_dispersion = num_fmax(disp, m.root_dispersion);
  out->stratum = f->samples[f->used - 1].stratum;
  out->leap = f->samples[f->used - 1].leap;
  return true;
}

bool spf_get_filtered(struct spf *f, double precision, struct sst_sample *out)
{
  int sel[SPF_MAX_SAMPLES];
  if (f->used < f->min_samples || f->used < 1)
    return false;
  int n = select_samples(f, sel);
  if (!combine(f, sel, n, precision, out))
    return false;
  f->used = 0;
  return true;
}

static void slew_sample(struct sst_sample *s, const struct timespec *when, double dfreq,
                        double doffset)
{
  double delta = doffset - dfreq * timespec_diff(when, &s->time);
  s->time = timespec_add_double(&s->time, delta);
  s->offset -= delta;
}

void spf_slew(struct spf *f, const struct timespec *when, double dfreq, double doffset)
{
  if (!isfinite(dfreq) || fabs(dfreq) >= 1.0 || !isfinite(doffset) ||
      fabs(doffset) > SST_MAX_VALUE)
    return;
  for (int i = 0; i < f->used; i++)
    slew_sample(&f->samples[i], when, dfreq, doffset);
  if (f->keep_newest)
    slew_sample(&f->newest, when, dfreq, doffset);
  if (f->have_last)
    f->last_time = timespec_add_double(&f->last_time, doffset - dfreq * timespec_diff(when, &f->last_time));
}
