/* quantile: long-term estimates of quantiles of a stream of values
 * (chrony's quantiles.c): a source's delays for maxdelayquant (ntp_source),
 * a hardware clock's reading delays (hwclock).
 *
 * Quantiles k/q for k = min_k..max_k are each estimated by QNT_REPEAT
 * independent stochastic estimators whose median is reported. The first
 * values seed them (kept sorted, each repeated, the largest also filling
 * the estimators not seeded yet); each later value moves every estimator
 * up, with probability k/q when it is at or above the estimate, or down,
 * with probability 1 - k/q when below, by a step that grows by min_step
 * while it keeps going the same way, is cut back to min_step when it turns,
 * never overshoots the value, and may shrink to -large_step_delay
 * min_steps (a delay before large steps after a turn).
 *
 * Pure: the caller's draw function gives the uniform random numbers, one
 * per estimator in order, so the same values and draws give the same
 * estimates. */
#ifndef STRATUM_CORE_QUANTILE_H
#define STRATUM_CORE_QUANTILE_H

#define QNT_REPEAT 7               /* estimators per quantile (chrony's) */
#define QNT_MAX_QUANTILES 2        /* k values at most */

struct qnt_estimator {
  double est, step;
  int sign;
};

struct qnt {
  int min_k, n_k, q;
  double min_step;               /* > 0 */
  double neg_step_limit;         /* -large_step_delay * min_step */
  int n_set;                     /* values taken while seeding */
  struct qnt_estimator e[QNT_MAX_QUANTILES * QNT_REPEAT];
};

/* A uniform random number in [0, 1]. */
typedef double (*qnt_draw_fn)(void *arg);

/* The quantiles k/q for k = min_k..max_k (1 <= min_k <= max_k < q, at most
 * QNT_MAX_QUANTILES of them; out of range: brought into it). */
void qnt_init(struct qnt *q, int min_k, int max_k, int q_div, double min_step,
              int large_step_delay);
/* Forget the values. */
void qnt_reset(struct qnt *q);
void qnt_accumulate(struct qnt *q, double value, qnt_draw_fn draw, void *arg);
/* The estimate of k/q (k in min_k..max_k; else the nearest): the median of
 * its estimators, 0 before any value. */
double qnt_get(const struct qnt *q, int k);

#endif
