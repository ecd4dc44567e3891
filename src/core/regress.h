/* regress: line fits shared by the statistics (chrony's regress.c): the
 * runs test of residuals, and the robust fit of manual samples. Pure. */
#ifndef STRATUM_CORE_REGRESS_H
#define STRATUM_CORE_REGRESS_H

#include <stdbool.h>

#define RGR_MAX_POINTS 128

/* The median of n (1..RGR_MAX_POINTS) values, which are left as they are. */
double rgr_median(const double *v, int n);
/* Runs of residuals of the same sign; a zero residual starts a new run. */
int rgr_runs(const double *resid, int n);
/* The runs test: a fit of n points (n <= RGR_MAX_POINTS) passes when its
 * residuals make more runs than this. chrony's values: within one of
 * floor(mean - 1.645 sd) of the number of runs of n/2 positive and n/2
 * negative values in random order (5% one-sided, normal approximation),
 * and 0 below 8 points. */
int rgr_critical_runs(int n);

/* chrony's robust fit (RGR_FindBestRobustRegression): y = b0 + b1 x by
 * least absolute deviations, the slope found by bisection to within tol;
 * two points give the line through them; from three on, the oldest points
 * (lowest indices) are dropped while the residuals fail the runs test,
 * down to three. Points start..n-1 are used (*best_start), making *n_runs
 * runs (0 with two points). false with fewer than two points (n <= 128)
 * or when no slope can be bracketed within +-100. */
bool rgr_robust_fit(const double *x, const double *y, int n, double tol, double *b0,
                    double *b1, int *n_runs, int *best_start);

#endif
