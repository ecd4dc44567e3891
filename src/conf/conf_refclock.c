#include "conf/conf_refclock.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_fields.h"
#include "conf/conf_mem.h"
#include "conf/conf_value.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define ROFF(m) offsetof(struct conf_refclock, m)
#define HOFF(m) offsetof(struct conf_hwts, m)

/* The drivers chrony has; names are case-sensitive as in chrony. */
static const char *const drivers[] = {"PPS", "SOCK", "SHM", "PHC", "RTC"};

static void refclock_defaults(struct conf_refclock *r)
{
  memset(r, 0, sizeof(*r));
  r->poll = 4;
  r->filter = 64;
  r->minsamples = -1;
  r->maxsamples = -1;
  r->maxlockage = 2;
  r->maxunreach = CONF_DEFAULT_MAXUNREACH;
  r->delay = 1e-9;
}

static const struct conf_field refclock_options[] = {
  {.name = "refid", .type = CONF_T_REFID, .offset = ROFF(refid)},
  {.name = "lock", .type = CONF_T_REFID, .offset = ROFF(lock)},
  {.name = "poll", .type = CONF_T_INT, .offset = ROFF(poll), .min = -32, .max = 32, .always = true},
  {.name = "dpoll", .type = CONF_T_INT, .offset = ROFF(dpoll), .min = -32, .max = 32},
  {.name = "filter", .type = CONF_T_INT, .offset = ROFF(filter), .min = 0, .max = INT_MAX},
  {.name = "rate", .type = CONF_T_INT, .offset = ROFF(rate), .min = 1, .max = INT_MAX},
  {.name = "minsamples", .type = CONF_T_INT, .offset = ROFF(minsamples), .min = 0, .max = INT_MAX},
  {.name = "maxsamples", .type = CONF_T_INT, .offset = ROFF(maxsamples), .min = 0, .max = INT_MAX},
  {.name = "maxlockage", .type = CONF_T_INT, .offset = ROFF(maxlockage), .min = 0, .max = INT_MAX},
  {.name = "maxunreach", .type = CONF_T_INT, .offset = ROFF(maxunreach), .min = 0, .max = INT_MAX},
  {.name = "offset", .type = CONF_T_DOUBLE, .offset = ROFF(offset)},
  {.name = "delay", .type = CONF_T_DOUBLE, .offset = ROFF(delay)},
  {.name = "precision", .type = CONF_T_DOUBLE, .offset = ROFF(precision)},
  {.name = "maxdispersion", .type = CONF_T_DOUBLE, .offset = ROFF(maxdispersion)},
  {.name = "width", .type = CONF_T_DOUBLE, .offset = ROFF(width)},
  {.name = "stratum", .type = CONF_T_INT, .offset = ROFF(stratum), .min = 0, .max = 15},
  {.name = "local", .type = CONF_T_FLAG, .offset = ROFF(local)},
  {.name = "pps", .type = CONF_T_FLAG, .offset = ROFF(pps)},
  {.name = "tai", .type = CONF_T_FLAG, .offset = ROFF(tai)},
  {.name = "prefer", .type = CONF_T_FLAG, .offset = ROFF(prefer)},
  {.name = "noselect", .type = CONF_T_FLAG, .offset = ROFF(noselect)},
  {.name = "trust", .type = CONF_T_FLAG, .offset = ROFF(trust)},
  {.name = "require", .type = CONF_T_FLAG, .offset = ROFF(require)},
};

bool conf_refclock_parse(struct conf_ctx *x, struct config *c, int argc, const char *const *argv)
{
  struct conf_refclock r;
  int driver;
  if (!conf_arg_count(x, argc, 2, INT_MAX, "DRIVER PARAMETER [OPTION]..."))
    return false;
  for (driver = 0; driver < (int)N(drivers); driver++) {
    if (strcmp(argv[0], drivers[driver]) == 0)
      break;
  }
  if (driver == (int)N(drivers)) {
    conf_expected(x, NULL, "a driver PPS, SOCK, SHM, PHC or RTC", argv[0]);
    return false;
  }
  refclock_defaults(&r);
  if (!conf_options_parse(x, refclock_options, N(refclock_options), &r, argc - 2, argv + 2))
    return false;
  strcpy(r.driver, drivers[driver]);
  r.param = conf_xstrdup(argv[1]);
  r.file = x->file;
  r.line = x->line;
  *(struct conf_refclock *)conf_append(&c->refclocks, &c->n_refclocks, sizeof(r)) = r;
  return true;
}

void conf_refclock_print(const struct config *c, FILE *out)
{
  struct conf_refclock def;
  refclock_defaults(&def);
  for (unsigned i = 0; i < c->n_refclocks; i++) {
    const struct conf_refclock *r = &c->refclocks[i];
    fprintf(out, "refclock %s %s", r->driver, r->param);
    conf_options_print(out, refclock_options, N(refclock_options), r, &def);
    fputc('\n', out);
  }
}

void conf_refclock_free(struct conf_refclock *r)
{
  free(r->param);
  r->param = NULL;
}

/* chrony's rxfilter names; "any" is the default and cannot be written. */
static const char *const rxfilters[] = {
  [CONF_RXFILTER_ANY] = NULL, [CONF_RXFILTER_NONE] = "none", [CONF_RXFILTER_NTP] = "ntp",
  [CONF_RXFILTER_PTP] = "ptp", [CONF_RXFILTER_ALL] = "all",
};

static const struct conf_field hwts_options[] = {
  {.name = "minpoll", .type = CONF_T_INT, .offset = HOFF(minpoll), .min = -32, .max = 32, .always = true},
  {.name = "maxpoll", .type = CONF_T_INT, .offset = HOFF(maxpoll), .min = -32, .max = 32, .always = true},
  {.name = "minsamples", .type = CONF_T_INT, .offset = HOFF(minsamples), .min = 0, .max = INT_MAX},
  {.name = "maxsamples", .type = CONF_T_INT, .offset = HOFF(maxsamples), .min = 0, .max = INT_MAX},
  {.name = "precision", .type = CONF_T_DOUBLE, .offset = HOFF(precision)},
  {.name = "txcomp", .type = CONF_T_DOUBLE, .offset = HOFF(txcomp)},
  {.name = "rxcomp", .type = CONF_T_DOUBLE, .offset = HOFF(rxcomp)},
  {.name = "nocrossts", .type = CONF_T_FLAG, .offset = HOFF(nocrossts)},
  {.name = "rxfilter", .type = CONF_T_KEYWORD, .offset = HOFF(rxfilter), .keywords = rxfilters,
   .n_keywords = N(rxfilters)},
};

static void hwts_defaults(struct conf_hwts *h)
{
  memset(h, 0, sizeof(*h));
  h->maxpoll = INT_MIN;   /* not given: minpoll + 1 */
  h->minsamples = 2;
  h->maxsamples = 16;
  h->precision = 100e-9;
  h->rxfilter = CONF_RXFILTER_ANY;
}

bool conf_hwtimestamp_parse(struct conf_ctx *x, struct config *c, int argc,
                            const char *const *argv)
{
  struct conf_hwts h;
  if (!conf_arg_count(x, argc, 1, INT_MAX, "INTERFACE [OPTION]..."))
    return false;
  hwts_defaults(&h);
  if (!conf_options_parse(x, hwts_options, N(hwts_options), &h, argc - 1, argv + 1))
    return false;
  if (h.maxpoll == INT_MIN)
    h.maxpoll = h.minpoll + 1;
  h.iface = conf_xstrdup(argv[0]);
  *(struct conf_hwts *)conf_append(&c->hwtimestamps, &c->n_hwtimestamps, sizeof(h)) = h;
  return true;
}

void conf_hwtimestamp_print(const struct config *c, FILE *out)
{
  struct conf_hwts def;
  hwts_defaults(&def);
  for (unsigned i = 0; i < c->n_hwtimestamps; i++) {
    fprintf(out, "hwtimestamp %s", c->hwtimestamps[i].iface);
    conf_options_print(out, hwts_options, N(hwts_options), &c->hwtimestamps[i], &def);
    fputc('\n', out);
  }
}

void conf_hwts_free(struct conf_hwts *h)
{
  free(h->iface);
  h->iface = NULL;
}
