#include "core/tempcomp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double tcomp_compensation(const struct tcomp_params *p, double temp)
{
  if (p->n_points < 2) {
    double dt = temp - p->t0;
    return p->k0 + dt * p->k1 + dt * dt * p->k2;
  }
  /* chronyd's: the first point at or above temp (or the last), and the one
   * before it. */
  unsigned i = 1;
  while (i + 1 < p->n_points && p->points[i].temp < temp)
    i++;
  const struct tcomp_point *a = &p->points[i - 1], *b = &p->points[i];
  return (temp - a->temp) / (b->temp - a->temp) * (b->comp - a->comp) + a->comp;
}

/* The first number of text, as fscanf's %lf: false if there is none. */
static bool parse_number(const char **text, double *out)
{
  char *end;
  double v = strtod(*text, &end);
  if (end == *text || !isfinite(v))
    return false;
  *text = end;
  *out = v;
  return true;
}

int tcomp_parse_points(const char *text, struct tcomp_point *out, unsigned max)
{
  unsigned n = 0;
  int line = 0;
  while (*text) {
    const char *eol = strchr(text, '\n');
    size_t len = eol ? (size_t)(eol - text) : strlen(text);
    char buf[256];
    line++;
    if (len >= sizeof(buf) || n == max)
      return -line;
    memcpy(buf, text, len);
    buf[len] = '\0';
    const char *p = buf;
    struct tcomp_point pt;
    if (!parse_number(&p, &pt.temp) || !parse_number(&p, &pt.comp))
      return -line;
    out[n++] = pt;
    text += len + (eol != NULL);
  }
  return n >= 2 ? (int)n : 0;
}

static void on_timer(void *arg)
{
  struct tcomp *t = arg;
  char buf[64];
  double temp;
  const char *p = buf;
  t->timer = 0;
  int r = t->plat->ops->read_file ? t->plat->ops->read_file(t->plat->ctx, t->p.sensor, buf,
                                                           sizeof(buf))
                                  : -1;
  if (r < 0 || !parse_number(&p, &temp)) {
    plat_logf(t->plat, PLAT_LOG_WARN, "Could not read temperature from %s", t->p.sensor);
  } else {
    double comp = tcomp_compensation(&t->p, temp);
    if (fabs(comp) <= TCOMP_MAX_COMP) {
      disc_set_temp_comp(t->disc, comp);
      if (t->log) {
        struct timespec now;
        disc_cooked_time(t->disc, &now);
        t->log(t->log_arg, &now, temp, comp);
      }
    } else {
      plat_logf(t->plat, PLAT_LOG_WARN,
                "Temperature compensation of %.3f ppm exceeds sanity limit of %.1f", comp,
                TCOMP_MAX_COMP);
    }
  }
  t->timer = t->plat->ops->timer_add(t->plat->ctx, t->p.interval, on_timer, t);
}

void tcomp_start(struct tcomp *t, const struct platform *plat, struct discipline *disc,
                 const struct tcomp_params *p, tcomp_log_fn log, void *log_arg)
{
  *t = (struct tcomp){.plat = plat, .disc = disc, .p = *p, .log = log, .log_arg = log_arg};
  if (!(t->p.interval > 0.0))
    t->p.interval = 1.0;
  on_timer(t);
}

void tcomp_stop(struct tcomp *t)
{
  if (t->timer)
    t->plat->ops->timer_cancel(t->plat->ctx, t->timer);
  t->timer = 0;
}
