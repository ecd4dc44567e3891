/* regress: see regress.h. */
#include "core/regress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIN_ROBUST_POINTS 3       /* the runs test stops here */
#define MAX_SLOPE_RANGE 100.0     /* the bracket of the slope gives up beyond this */

static const unsigned char critical_runs[RGR_MAX_POINTS + 1] = {
  0,  0,  0,  0,  0,  0,  0,  0,  2,  3,  3,  3,  4,  4,  5,  5,  5,  6,  6,  7,
  7,  7,  8,  8,  9,  9,  9,  10, 10, 11, 11, 11, 12, 12, 13, 13, 14, 14, 14, 15,
  15, 16, 16, 17, 17, 18, 18, 18, 19, 19, 20, 20, 21, 21, 21, 22, 22, 23, 23, 24,
  24, 25, 25, 26, 26, 26, 27, 27, 28, 28, 29, 29, 30, 30, 30, 31, 31, 32, 32, 33,
  33, 34, 34, 35, 35, 35, 36, 36, 37, 37, 38, 38, 39, 39, 40, 40, 40, 41, 41, 42,
  42, 43, 43, 44, 44, 45, 45, 46, 46, 46, 47, 47, 48, 48, 49, 49, 50, 50, 51, 51,
  52, 52, 52, 53, 53, 54, 54, 55, 55,
};

int rgr_runs(const double *r, int n)
{
  int runs = 1;

  for (int i = 1; i < n; i++)
    if (!((r[i - 1] < 0.0 && r[i] < 0.0) || (r[i - 1] > 0.0 && r[i] > 0.0)))
      runs++;
  return runs;
}

int rgr_critical_runs(int n)
{
  return n < 0 ? 0 : n > RGR_MAX_POINTS ? critical_runs[RGR_MAX_POINTS] : critical_runs[n];
}

static int compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double rgr_median(const double *v, int n)
{
  double t[RGR_MAX_POINTS];
  memcpy(t, v, (size_t)n * sizeof(t[0]));
  qsort(t, (size_t)n, sizeof(t[0]), compare_doubles);
  return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

/* For slope b: the intercept a, the median of y - b x, and the sum of x
 * signed by the residuals about that line, which is zero at the best b. */
static double robust_residual(const double *x, const double *y, int n, double b, double *a)
{
  double d[RGR_MAX_POINTS] = {0}, sum = 0.0;   /* {0}: gcc cannot see n <= 128 */

  for (int i = 0; i < n; i++)
    d[i] = y[i] - b * x[i];
  *a = rgr_median(d, n);
  for (int i = 0; i < n; i++) {
    double r = y[i] - *a - b * x[i];
    sum += r > 0.0 ? x[i] : r < 0.0 ? -x[i] : 0.0;
  }
  return sum;
}

/* The least-squares slope and the standard error of it, for the bracket. */
static double least_squares(const double *x, const double *y, int n, double *sb)
{
  double mx = 0.0, my = 0.0, sxy = 0.0, sxx = 0.0, s2 = 0.0;

  for (int i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  for (int i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  double b = sxy / sxx, a = my - b * mx;
  for (int i = 0; i < n; i++)
    s2 += (y[i] - a - b * x[i]) * (y[i] - a - b * x[i]);
  *sb = sqrt(s2 * n / sxx);
  return b;
}

/* The robust line through n >= 3 points; false if no bracket is found. */
static bool robust_line(const double *x, const double *y, int n, double tol, double *a,
                        double *b)
{
  double sb, lo, hi, rlo, rhi, incr;
  double ls = least_squares(x, y, n, &sb);

  incr = sb > tol ? sb : tol;
  do {
    incr *= 2.0;
    if (!(incr <= MAX_SLOPE_RANGE))
      return false;
    lo = ls - incr;
    hi = ls + incr;
    rlo = robust_residual(x, y, n, lo, a);
    rhi = robust_residual(x, y, n, hi, a);
  } while (rlo * rhi >= 0.0);

  double mid = lo;
  while (hi - lo > tol) {
    mid = 0.5 * (lo + hi);
    if (!(lo < mid && mid < hi))
      break;
    double r = robust_residual(x, y, n, mid, a);
    if (r == 0.0)
      break;
    if (r * rlo > 0.0) {
      lo = mid;
      rlo = r;
    } else {
      hi = mid;
      rhi = r;
    }
  }
  robust_residual(x, y, n, mid, a);
  *b = mid;
  return true;
}

bool rgr_robust_fit(const double *x, const double *y, int n, double tol, double *b0,
                    double *b1, int *n_runs, int *best_start)
{
  if (n < 2 || n > RGR_MAX_POINTS)
    return false;
  if (n == 2) {
    *b1 = (y[1] - y[0]) / (x[1] - x[0]);
    *b0 = y[0] - *b1 * x[0];
    *n_runs = 0;
    *best_start = 0;
    return isfinite(*b0) && isfinite(*b1);
  }
  int start = 0, runs = 0;
  for (;; start++) {
    int np = n - start;
    if (!robust_line(x + start, y + start, np, tol, b0, b1))
      return false;
    if (np == MIN_ROBUST_POINTS)
      break;
    double resid[RGR_MAX_POINTS];
    for (int i = 0; i < np; i++)
      resid[i] = y[start + i] - *b0 - *b1 * x[start + i];
    runs = rgr_runs(resid, np);
    if (runs > critical_runs[np])
      break;
  }
  *n_runs = runs;
  *best_start = start;
  return true;
}
