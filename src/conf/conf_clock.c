#include "conf/conf_clock.h"

#include <limits.h>
#include <strings.h>

#include "conf/conf_mem.h"
#include "conf/conf_value.h"

bool conf_driftfile_parse(struct conf_ctx *x, struct config *c, int argc,
                          const char *const *argv)
{
  int interval = CONF_DEFAULT_DRIFTFILE_INTERVAL;
  if (argc != 1 && !conf_arg_count(x, argc, 3, 3, "FILE [interval SECONDS]"))
    return false;
  if (argc == 3) {
    if (strcasecmp(argv[1], "interval") != 0) {
      conf_error(x, "unknown option '%.64s'", argv[1]);
      return false;
    }
    if (!conf_arg_int(x, "interval", argv[2], 0, INT_MAX, &interval))
      return false;
  }
  conf_set_string(&c->driftfile, argv[0]);
  c->driftfile_interval = interval;
  return true;
}

void conf_driftfile_print(const struct config *c, FILE *out)
{
  if (!c->driftfile)
    return;
  fprintf(out, "driftfile %s", c->driftfile);
  if (c->driftfile_interval != CONF_DEFAULT_DRIFTFILE_INTERVAL)
    fprintf(out, " interval %d", c->driftfile_interval);
  fputc('\n', out);
}

/* tempcomp SENSOR INTERVAL T0 K0 K1 K2, or tempcomp SENSOR INTERVAL POINTS */
bool conf_tempcomp_parse(struct conf_ctx *x, struct config *c, int argc,
                         const char *const *argv)
{
  double v[5] = {0};
  if (argc != 3 && !conf_arg_count(x, argc, 6, 6, "FILE INTERVAL (T0 K0 K1 K2 | POINTS-FILE)"))
    return false;
  for (int i = 1; i < (argc == 3 ? 2 : 6); i++) {
    if (!conf_arg_double(x, NULL, argv[i], &v[i - 1]))
      return false;
  }
  conf_set_string(&c->tempcomp_sensor, argv[0]);
  conf_set_string(&c->tempcomp_points, argc == 3 ? argv[2] : NULL);
  c->tempcomp_interval = v[0];
  c->tempcomp_t0 = v[1];
  c->tempcomp_k0 = v[2];
  c->tempcomp_k1 = v[3];
  c->tempcomp_k2 = v[4];
  return true;
}

void conf_tempcomp_print(const struct config *c, FILE *out)
{
  char b[5][CONF_NUM_LEN];
  if (!c->tempcomp_sensor)
    return;
  fprintf(out, "tempcomp %s %s", c->tempcomp_sensor, conf_fmt_double(c->tempcomp_interval, b[0]));
  if (c->tempcomp_points)
    fprintf(out, " %s\n", c->tempcomp_points);
  else
    fprintf(out, " %s %s %s %s\n", conf_fmt_double(c->tempcomp_t0, b[1]),
            conf_fmt_double(c->tempcomp_k0, b[2]), conf_fmt_double(c->tempcomp_k1, b[3]),
            conf_fmt_double(c->tempcomp_k2, b[4]));
}

bool conf_initstepslew_parse(struct conf_ctx *x, struct config *c, int argc,
                             const char *const *argv)
{
  double threshold;
  if (!conf_arg_count(x, argc, 1, INT_MAX, "THRESHOLD [HOST]...") ||
      !conf_arg_double(x, NULL, argv[0], &threshold))
    return false;
  c->initstepslew = true;
  c->initstepslew_threshold = threshold;
  conf_strings_free(&c->initstepslew_hosts);
  for (int i = 1; i < argc; i++)
    conf_strings_add(&c->initstepslew_hosts, argv[i]);
  return true;
}

void conf_initstepslew_print(const struct config *c, FILE *out)
{
  char num[CONF_NUM_LEN];
  if (!c->initstepslew)
    return;
  fprintf(out, "initstepslew %s", conf_fmt_double(c->initstepslew_threshold, num));
  for (unsigned i = 0; i < c->initstepslew_hosts.n; i++)
    fprintf(out, " %s", c->initstepslew_hosts.v[i]);
  fputc('\n', out);
}
