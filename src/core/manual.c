/* manual: see manual.h. */
#include "core/manual.h"

#include <math.h>
#include <string.h>

#include "core/discipline.h"
#include "core/regress.h"
#include "proto/timespec.h"

#define MIN_SEPARATION 1.0        /* s between two samples */
#define SLOPE_TOLERANCE 1e-8      /* of the fit's frequency, s/s */
#define MAX_SANE_OFFSET 2147483648.0   /* s from the clock */

void manual_init(struct manual *m, bool enabled)
{
  memset(m, 0, sizeof(*m));
  m->enabled = enabled;
}

void manual_reset(struct manual *m)
{
  m->n = 0;
}

/* Fit the samples (chronyd's estimate_and_set_system): the frequency from
 * the fit; the offset to correct the one just given (`given`) or, after a
 * deletion, the fit's. */
static void fit(struct manual *m, const double *given, struct manual_fix *fix)
{
  double ago[MANUAL_MAX_SAMPLES], y[MANUAL_MAX_SAMPLES];
  double b0 = given ? *given : 0.0, b1 = 0.0;
  int runs, start;

  memset(fix, 0, sizeof(*fix));
  ago[0] = 0.0;
  y[0] = b0;
  if (m->n > 1) {
    for (int i = 0; i < m->n; i++) {
      ago[i] = timespec_diff(&m->s[m->n - 1].when, &m->s[i].when);
      y[i] = m->s[i].offset;
    }
    if (rgr_robust_fit(ago, y, m->n, SLOPE_TOLERANCE, &b0, &b1, &runs, &start)) {
      fix->freq = -b1;            /* the offset grows towards now when it gains */
      fix->have_freq = true;
    } else {
      b0 = given ? *given : 0.0;
      b1 = 0.0;
    }
  }
  fix->offset = given ? *given : b0;
  fix->reg_offset = b0;
  for (int i = 0; i < m->n; i++)
    m->s[i].residual = y[i] - (b0 + ago[i] * b1);
}

bool manual_accept(struct manual *m, const struct timespec *now, const struct timespec *ts,
                   struct manual_fix *fix)
{
  double given = timespec_diff(now, ts);
  if (!m->enabled || timespec_to_double(ts) < 0.0 || !(fabs(given) < MAX_SANE_OFFSET))
    return false;
  if (m->n > 0 && timespec_diff(now, &m->s[m->n - 1].when) < MIN_SEPARATION)
    return false;
  if (m->n == MANUAL_MAX_SAMPLES) {
    memmove(&m->s[0], &m->s[1], sizeof(m->s[0]) * (MANUAL_MAX_SAMPLES - 1));
    m->n--;
  }
  m->s[m->n] = (struct manual_sample){.when = *now, .offset = given, .orig_offset = given};
  m->n++;
  fit(m, &given, fix);
  return true;
}

bool manual_delete(struct manual *m, int index, struct manual_fix *fix)
{
  if (index < 0 || index >= m->n)
    return false;
  memmove(&m->s[index], &m->s[index + 1], sizeof(m->s[0]) * (size_t)(m->n - index - 1));
  m->n--;
  fit(m, NULL, fix);
  return true;
}

void manual_clock_changed(void *arg, const struct timespec *when, double dfreq,
                          double doffset)
{
  struct manual *m = arg;
  for (int i = 0; i < m->n; i++) {
    struct timespec t = m->s[i].when;
    disc_slew_time(&t, when, dfreq, doffset);
    m->s[i].offset += timespec_diff(&t, &m->s[i].when);
    m->s[i].when = t;
  }
}
