#include "sim/sim_metrics.h"

#include <math.h>
#include <stdlib.h>

struct sim_metrics {
  struct sim_sched *sched;
  struct sim_platform *host;
  sim_time first;             /* true time of sample 0 */
  sim_time interval;
  struct sim_metrics_sample *samples;
  size_t n, cap;
  double utc_shift;           /* UTC - true, s */
};

static bool arm(struct sim_metrics *m);

static void on_sample(void *arg)
{
  struct sim_metrics *m = arg;
  if (m->n == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 1024;
    struct sim_metrics_sample *s = realloc(m->samples, cap * sizeof(*s));
    if (!s)
      return;
    m->samples = s;
    m->cap = cap;
  }
  m->samples[m->n++] = (struct sim_metrics_sample){
    .t = sim_sched_elapsed(m->sched),
    .offset = sim_platform_offset(m->host) - m->utc_shift,
    .freq_error = sim_platform_freq_error(m->host),
  };
  arm(m);
}

/* The next sample at an exact multiple of the interval: no drift. */
static bool arm(struct sim_metrics *m)
{
  sim_time at = m->first + (sim_time)m->n * m->interval;
  return sim_sched_add(m->sched, at, on_sample, m, m) != 0;
}

void sim_metrics_shift_utc(struct sim_metrics *m, double seconds)
{
  m->utc_shift += seconds;
}

struct sim_metrics *sim_metrics_new(struct sim_sched *sched, struct sim_platform *host,
                                    double interval)
{
  if (!(interval > 0.0))
    return NULL;
  struct sim_metrics *m = calloc(1, sizeof(*m));
  if (!m)
    return NULL;
  m->sched = sched;
  m->host = host;
  m->first = sim_sched_now(sched);
  m->interval = sim_ns(interval) > 0 ? sim_ns(interval) : 1;
  if (!arm(m)) {
    free(m);
    return NULL;
  }
  return m;
}

void sim_metrics_free(struct sim_metrics *m)
{
  if (!m)
    return;
  sim_sched_cancel_owner(m->sched, m);
  free(m->samples);
  free(m);
}

static double sync_time(const struct sim_metrics *m, double threshold, double freq_threshold)
{
  if (m->n == 0)
    return INFINITY;
  size_t i = m->n;
  while (i > 0 && fabs(m->samples[i - 1].offset) < threshold &&
         (freq_threshold <= 0.0 || fabs(m->samples[i - 1].freq_error) <= freq_threshold))
    i--;
  return i == m->n ? INFINITY : m->samples[i].t;
}

void sim_metrics_compute(const struct sim_metrics *m, double threshold, double freq_threshold,
                         double settle, struct sim_metrics_result *out)
{
  double sum_off = 0.0, sum_freq = 0.0;
  *out = (struct sim_metrics_result){.sync_time = sync_time(m, threshold, freq_threshold),
                                     .steps = sim_platform_steps(m->host),
                                     .n_samples = m->n};
  double from = settle > 0.0 ? settle : isfinite(out->sync_time) ? out->sync_time : -INFINITY;
  for (size_t i = 0; i < m->n; i++) {
    const struct sim_metrics_sample *s = &m->samples[i];
    if (s->t < from)
      continue;
    out->n_steady++;
    out->max_offset = fmax(out->max_offset, fabs(s->offset));
    out->max_freq_error = fmax(out->max_freq_error, fabs(s->freq_error));
    sum_off += s->offset * s->offset;
    sum_freq += s->freq_error * s->freq_error;
  }
  if (out->n_steady > 0) {
    out->rms_offset = sqrt(sum_off / (double)out->n_steady);
    out->rms_freq_error = sqrt(sum_freq / (double)out->n_steady);
  }
}

const struct sim_metrics_sample *sim_metrics_samples(const struct sim_metrics *m, size_t *n)
{
  *n = m->n;
  return m->samples;
}
