#include "conf/conf_log.h"

#include <string.h>

#include "conf/conf_value.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
  const char *name;
  unsigned bits;
} logs[] = {
  {"rawmeasurements", CONF_LOG_RAWMEASUREMENTS | CONF_LOG_MEASUREMENTS},
  {"measurements", CONF_LOG_MEASUREMENTS},
  {"selection", CONF_LOG_SELECTION},
  {"statistics", CONF_LOG_STATISTICS},
  {"tracking", CONF_LOG_TRACKING},
  {"rtc", CONF_LOG_RTC},
  {"refclocks", CONF_LOG_REFCLOCKS},
  {"tempcomp", CONF_LOG_TEMPCOMP},
};

/* Names are case-sensitive, as in chrony. */
bool conf_log_parse(struct conf_ctx *x, struct config *c, int argc, const char *const *argv)
{
  unsigned bits = 0;
  for (int i = 0; i < argc; i++) {
    size_t k;
    for (k = 0; k < N(logs); k++) {
      if (strcmp(argv[i], logs[k].name) == 0)
        break;
    }
    if (k == N(logs)) {
      conf_expected(x, NULL, "measurements, rawmeasurements, statistics, tracking, rtc, "
                    "refclocks, tempcomp or selection", argv[i]);
      return false;
    }
    bits |= logs[k].bits;
  }
  c->log |= bits;
  return true;
}

void conf_log_print(const struct config *c, FILE *out)
{
  unsigned done = 0;
  if (!c->log)
    return;
  fputs("log", out);
  for (size_t k = 0; k < N(logs); k++) {
    if ((c->log & logs[k].bits) == logs[k].bits && (done & logs[k].bits) != logs[k].bits) {
      fprintf(out, " %s", logs[k].name);
      done |= logs[k].bits;
    }
  }
  fputc('\n', out);
}
