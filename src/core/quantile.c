#include "core/quantile.h"

#include <math.h>

void qnt_init(struct qnt *q, double p, double min_step)
{
  if (!(p >= QNT_MIN_P))
    p = QNT_MIN_P;
  if (p > QNT_MAX_P)
    p = QNT_MAX_P;
  q->k = (int)lround(p * QNT_Q);
  q->min_step = min_step;
  qnt_reset(q);
}

void qnt_reset(struct qnt *q)
{
  q->seeded = false;
  for (int i = 0; i < QNT_REPEAT; i++)
    q->e[i] = (struct qnt_estimator){.est = 0.0, .step = q->min_step, .sign = 1};
}

/* One estimator towards value: up with probability p when the value is at
 * or above it, down with probability 1 - p when below. */
static void update(struct qnt_estimator *e, double value, double p, double rand,
                   double min_step)
{
  if (value >= e->est) {
    if (rand < 1.0 - p)
      return;
    e->step += e->sign > 0 ? min_step : -min_step;
    e->est += e->step > min_step ? e->step : min_step;
    if (e->est > value) {
      /* Overshot: the step gives back the excess. */
      e->step += value - e->est;
      e->est = value + min_step / 4.0;
    }
    if (e->sign < 0 && e->step > min_step)
      e->step = min_step;
    e->sign = 1;
  } else {
    if (rand < p)
      return;
    e->step += e->sign < 0 ? min_step : -min_step;
    e->est -= e->step > min_step ? e->step : min_step;
    if (e->est < value) {
      e->step += e->est - value;
      e->est = value - min_step / 4.0;
    }
    if (e->sign > 0 && e->step > min_step)
      e->step = min_step;
    e->sign = -1;
  }
  if (e->step < -QNT_LARGE_STEP_DELAY * min_step)
    e->step = -QNT_LARGE_STEP_DELAY * min_step;
}

void qnt_accumulate(struct qnt *q, double value, const double rand[QNT_REPEAT])
{
  if (!q->seeded) {
    for (int i = 0; i < QNT_REPEAT; i++)
      q->e[i].est = value;
    q->seeded = true;
    return;
  }
  double p = (double)q->k / QNT_Q;
  for (int i = 0; i < QNT_REPEAT; i++)
    update(&q->e[i], value, p, rand[i], q->min_step);
}

double qnt_estimate(const struct qnt *q)
{
  double v[QNT_REPEAT];
  for (int i = 0; i < QNT_REPEAT; i++)
    v[i] = q->e[i].est;
  /* Insertion sort of a handful; the median is the middle one (odd). */
  for (int i = 1; i < QNT_REPEAT; i++)
    for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
      double t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  _Static_assert(QNT_REPEAT % 2 == 1, "the median is one estimator");
  return v[QNT_REPEAT / 2];
}

bool qnt_accepts(const struct qnt *q, double value)
{
  return value <= qnt_estimate(q) + q->min_step / 2.0;
}
