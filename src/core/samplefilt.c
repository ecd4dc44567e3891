#include "core/samplefilt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ntp_packet.h"
#include "proto/ntp_time.h"

#define DISPERSION_SELECT 1.5     /* of the smallest peer dispersion */
#define MIN_SELECTED 4
#define MIN_VARIANCE 1e-20
#define AVG_VAR_DOF 50.0          /* memory of the long-term average */
#define CHI2_90_DOF1 2.706        /* 90% quantile of chi-square, 1 dof */

void spf_init(struct spf *f, int length)
{
  memset(f, 0, sizeof(*f));
  f->length = length < 1 ? 1 : length > SPF_MAX_SAMPLES ? SPF_MAX_SAMPLES : length;
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
  /* Full after a dropped result: the window slides. */
  if (f->used == f->length)
    memmove(&f->samples[0], &f->samples[1], (size_t)--f->used * sizeof(f->samples[0]));
  f->samples[f->used++] = *s;
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

/* Indices of the samples with a peer dispersion near the smallest (when
 * enough of them), else of all; returns their count. */
static int select_by_dispersion(const struct spf *f, int *sel)
{
  int n = 0;
  if (f->used > MIN_SELECTED) {
    double min = f->samples[0].peer_dispersion;
    for (int i = 1; i < f->used; i++)
      min = fmin(min, f->samples[i].peer_dispersion);
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

/* The median (odd count) or the two middle samples by offset, in time
 * order; returns their count (1 or 2). */
static int select_median(const struct spf *f, int *sel)
{
  int n = select_by_dispersion(f, sel);
  sort_filter = f;
  qsort(sel, (size_t)n, sizeof(*sel), by_offset);
  int from = n > 2 ? (n - 1) / 2 : 0;
  int kept = n - 2 * from;
  memmove(sel, sel + from, (size_t)kept * sizeof(*sel));
  qsort(sel, (size_t)kept, sizeof(*sel), by_index);
  return kept;
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

/* Combine the n selected samples (1 or 2, one degree of freedom); false if
 * they are too noisy. */
static bool combine(struct spf *f, const int *sel, int n, double precision,
                    struct sst_sample *out)
{
  const struct sst_sample *newest = &f->samples[sel[n - 1]];
  double mean_x = 0.0, mean_y = 0.0, var;
  struct sst_sample m = {0};
  for (int i = 0; i < n; i++) {
    const struct sst_sample *s = &f->samples[sel[i]];
    mean_x += timespec_diff(&s->time, &newest->time) / n;
    mean_y += s->offset / n;
    m.peer_delay += s->peer_delay / n;
    m.peer_dispersion += s->peer_dispersion / n;
    m.root_delay += s->root_delay / n;
    m.root_dispersion += s->root_dispersion / n;
  }
  if (n >= 2) {
    var = 0.0;
    for (int i = 0; i < n; i++)
      var += (f->samples[sel[i]].offset - mean_y) * (f->samples[sel[i]].offset - mean_y);
    var /= n - 1;
  } else {
    var = f->avg_var_n > 0 ? f->avg_var : precision * precision;
  }
  var = fmax(var, MIN_VARIANCE);
  if (var > NTP_MAX_DISPERSION * NTP_MAX_DISPERSION)
    return false;
  double disp = sqrt(var);
  /* Unless clearly smaller, the long-term average is the better estimate
   * (less noise in the statistics' weights). */
  if (var / CHI2_90_DOF1 < update_avg_var(f, var, 1, precision))
    disp = sqrt(f->avg_var);

  *out = m;
  out->time = timespec_add_double(&newest->time, mean_x);
  out->offset = mean_y;
  out->peer_dispersion = fmax(disp, m.peer_dispersion);
  out->root_dispersion = fmax(disp, m.root_dispersion);
  out->stratum = f->samples[f->used - 1].stratum;
  out->leap = f->samples[f->used - 1].leap;
  return true;
}

bool spf_get_filtered(struct spf *f, double precision, struct sst_sample *out)
{
  int sel[SPF_MAX_SAMPLES];
  if (f->used < f->length)
    return false;
  int n = select_median(f, sel);
  if (!combine(f, sel, n, precision, out))
    return false;
  f->used = 0;
  return true;
}

void spf_slew(struct spf *f, const struct timespec *when, double dfreq, double doffset)
{
  if (!isfinite(dfreq) || fabs(dfreq) >= 1.0 || !isfinite(doffset) ||
      fabs(doffset) > SST_MAX_VALUE)
    return;
  for (int i = 0; i < f->used; i++) {
    struct sst_sample *s = &f->samples[i];
    double delta = doffset - dfreq * timespec_diff(when, &s->time);
    s->time = timespec_add_double(&s->time, delta);
    s->offset -= delta;
  }
  if (f->have_last)
    f->last_time = timespec_add_double(&f->last_time, doffset - dfreq * timespec_diff(when, &f->last_time));
}
