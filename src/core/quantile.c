#include "core/quantile.h"

#include "core/regress.h"

static int clampi(int v, int lo, int hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

void qnt_init(struct qnt *q, int min_k, int max_k, int q_div, double min_step,
              int large_step_delay)
{
  q->q = q_div < 2 ? 2 : q_div;
  q->min_k = clampi(min_k, 1, q->q - 1);
  q->n_k = clampi(max_k, q->min_k, q->q - 1) - q->min_k + 1;
  if (q->n_k > QNT_MAX_QUANTILES)
    q->n_k = QNT_MAX_QUANTILES;
  q->min_step = min_step;
  q->neg_step_limit = -(large_step_delay > 0 ? large_step_delay : 0) * min_step;
  qnt_reset(q);
}

static int n_estimators(const struct qnt *q)
{
  return q->n_k * QNT_REPEAT;
}

void qnt_reset(struct qnt *q)
{
  q->n_set = 0;
  for (int i = 0; i < n_estimators(q); i++)
    q->e[i] = (struct qnt_estimator){.est = 0.0, .step = q->min_step, .sign = 1};
}

/* A first value: the seeded quantiles kept sorted, each repeated, the
 * largest also in those not seeded yet. */
static void seed(struct qnt *q, double value)
{
  int i, r = QNT_REPEAT;
  for (i = q->n_set; i > 0 && q->e[(i - 1) * r].est > value; i--)
    for (int j = 0; j < r; j++)
      q->e[i * r + j].est = q->e[(i - 1) * r].est;
  for (int j = 0; j < r; j++)
    q->e[i * r + j].est = value;
  q->n_set++;
  for (i = q->n_set * r; i < n_estimators(q); i++)
    q->e[i].est = q->e[i - 1].est;
}

/* One estimator towards value: up with probability p when the value is at
 * or above it, down with probability 1 - p when below. */
static void update(struct qnt_estimator *e, double value, double p, double rand,
                   const struct qnt *q)
{
  double min_step = q->min_step;
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
  if (e->step < q->neg_step_limit)
    e->step = q->neg_step_limit;
}

void qnt_accumulate(struct qnt *q, double value, qnt_draw_fn draw, void *arg)
{
  if (q->n_set * QNT_REPEAT < n_estimators(q)) {
    seed(q, value);
    return;
  }
  for (int i = 0; i < n_estimators(q); i++)
    update(&q->e[i], value, (double)(i / QNT_REPEAT + q->min_k) / q->q, draw(arg), q);
}

double qnt_get(const struct qnt *q, int k)
{
  double est[QNT_REPEAT];
  int at = clampi(k, q->min_k, q->min_k + q->n_k - 1) - q->min_k;
  for (int i = 0; i < QNT_REPEAT; i++)
    est[i] = q->e[at * QNT_REPEAT + i].est;
  return rgr_median(est, QNT_REPEAT);
}
