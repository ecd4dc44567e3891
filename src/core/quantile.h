/* quantile: a long-term estimate of one quantile of a stream of values
 * (chrony's quantiles.c as ntp_core.c uses it for maxdelayquant).
 *
 * The estimate is QNT_REPEAT independent stochastic estimators of the
 * k/QNT_Q quantile; the reported value is their median. The first value
 * seeds them all; each later value moves every estimator up, with probability k/QNT_Q when it is at
 * or above the estimate, or down, with probability 1 - k/QNT_Q when below,
 * by a step that grows by min_step while it keeps going the same way, is
 * cut back to min_step when it turns, never overshoots the value, and
 * may shrink to -QNT_LARGE_STEP_DELAY min_steps (a delay before large
 * steps after a turn).
 *
 * Pure: the caller supplies the uniform random numbers, so the same values
 * give the same estimate. */
#ifndef STRATUM_CORE_QUANTILE_H
#define STRATUM_CORE_QUANTILE_H

#include <stdbool.h>

#define QNT_Q 100                  /* quantiles are k/100 */
#define QNT_REPEAT 7               /* estimators per quantile */
#define QNT_LARGE_STEP_DELAY 100   /* min_steps of negative step allowed */
#define QNT_MIN_P 0.05             /* maxdelayquant's range, as chrony */
#define QNT_MAX_P 0.95

struct qnt_estimator {
  double est, step;
  int sign;
};

struct qnt {
  int k;                           /* the k/QNT_Q quantile */
  double min_step;
  bool seeded;                     /* a first value was taken */
  struct qnt_estimator e[QNT_REPEAT];
};

/* The p quantile (p brought into QNT_MIN_P..QNT_MAX_P, rounded to a
 * k/QNT_Q) with steps of at least min_step (> 0). */
void qnt_init(struct qnt *q, double p, double min_step);
/* Forget the values (chrony resets it with the source). */
void qnt_reset(struct qnt *q);
/* One more value; rand[i] uniform in [0, 1] for estimator i. */
void qnt_accumulate(struct qnt *q, double value, const double rand[QNT_REPEAT]);
/* The estimate (the median of the estimators; 0 before any value). */
double qnt_estimate(const struct qnt *q);
/* chrony's maxdelayquant test: value within half a min_step above it. */
bool qnt_accepts(const struct qnt *q, double value);

#endif
