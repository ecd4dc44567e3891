/* tempcomp: chronyd's temperature compensation. Every `interval` seconds
 * the sensor file is read through the platform (a temperature, the first
 * number in it); the compensation, in ppm, is k0 + (T - T0) k1 +
 * (T - T0)^2 k2, or, with a points file, the line through the two nearest
 * points (extrapolated beyond the first and last), and the discipline
 * takes it out of the clock's frequency (disc_set_temp_comp). As chronyd:
 * a compensation above TCOMP_MAX_COMP is refused ("Temperature
 * compensation of X ppm exceeds sanity limit of 10.0"), an unreadable
 * sensor is warned about ("Could not read temperature from FILE"), and
 * both keep the previous compensation. */
#ifndef STRATUM_CORE_TEMPCOMP_H
#define STRATUM_CORE_TEMPCOMP_H

#include <stdbool.h>
#include <time.h>

#include "core/discipline.h"
#include "core/platform.h"

#define TCOMP_MAX_COMP 10.0            /* ppm */
#define TCOMP_MAX_POINTS 64

struct tcomp_point {
  double temp, comp;
};

struct tcomp_params {
  const char *sensor;
  double interval;                     /* s; <= 0: 1, as chronyd */
  double t0, k0, k1, k2;
  struct tcomp_point points[TCOMP_MAX_POINTS];   /* sorted by temp, as the file gives them */
  unsigned n_points;                   /* 0: the coefficients; else >= 2 */
};

/* Each reading, for `log tempcomp` (NULL: none). */
typedef void (*tcomp_log_fn)(void *arg, const struct timespec *when, double temp, double comp);

struct tcomp {
  const struct platform *plat;
  struct discipline *disc;
  struct tcomp_params p;
  plat_timer timer;
  tcomp_log_fn log;
  void *log_arg;
};

/* The compensation at temperature temp (ppm). */
double tcomp_compensation(const struct tcomp_params *p, double temp);
/* A points file's text: "TEMP COMP" per line. Returns the number of
 * points (into out, at most max), or -LINE of the first line that is not
 * two numbers (chronyd: "Could not read tempcomp point from FILE"), or 0
 * when fewer than 2 ("Not enough points in FILE"). */
int tcomp_parse_points(const char *text, struct tcomp_point *out, unsigned max);

/* Read the sensor now, then every interval. p is copied. */
void tcomp_start(struct tcomp *t, const struct platform *plat, struct discipline *disc,
                 const struct tcomp_params *p, tcomp_log_fn log, void *log_arg);
void tcomp_stop(struct tcomp *t);

#endif
