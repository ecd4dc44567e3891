#include "daemon/thermal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sys/log.h"

#define MAX_POINTS_FILE 8192

static bool read_points(const char *path, struct tcomp_params *p)
{
  static char text[MAX_POINTS_FILE + 1];
  FILE *f = fopen(path, "re");
  if (!f) {
    log_printf(PLAT_LOG_FATAL, "Could not open %s : %s", path, strerror(errno));
    return false;
  }
  size_t len = fread(text, 1, MAX_POINTS_FILE + 1, f);
  fclose(f);
  int n = len > MAX_POINTS_FILE ? -1 : (text[len] = '\0', tcomp_parse_points(text, p->points,
                                                                          TCOMP_MAX_POINTS));
  if (n < 0)
    log_printf(PLAT_LOG_FATAL, "Could not read tempcomp point from %s", path);
  else if (n == 0)
    log_printf(PLAT_LOG_FATAL, "Not enough points in %s", path);
  p->n_points = n > 0 ? (unsigned)n : 0;
  return n > 0;
}

static void log_reading(void *arg, const struct timespec *when, double temp, double comp)
{
  char line[LOGFMT_LINE_MAX];
  size_t len = logfmt_tempcomp(line, sizeof(line), when, temp, comp);
  logfiles_write(arg, LOGFMT_TEMPCOMP, line, len);
}

bool thermal_start(struct tcomp *t, const struct config *cfg, const struct platform *plat,
                   struct discipline *disc, struct logfiles *logs)
{
  memset(t, 0, sizeof(*t));
  if (!cfg->tempcomp_sensor)
    return true;
  struct tcomp_params p = {.sensor = cfg->tempcomp_sensor, .interval = cfg->tempcomp_interval,
                           .t0 = cfg->tempcomp_t0, .k0 = cfg->tempcomp_k0,
                           .k1 = cfg->tempcomp_k1, .k2 = cfg->tempcomp_k2};
  if (cfg->tempcomp_points && !read_points(cfg->tempcomp_points, &p))
    return false;
  bool logged = logs->f[LOGFMT_TEMPCOMP].path != NULL;
  tcomp_start(t, plat, disc, &p, logged ? log_reading : NULL, logs);
  return true;
}

void thermal_stop(struct tcomp *t)
{
  if (t->plat)
    tcomp_stop(t);
}
