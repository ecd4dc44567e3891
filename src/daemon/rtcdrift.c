/* rtcdrift: see rtcdrift.h. */
#include "daemon/rtcdrift.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/rtcfile.h"
#include "core/logfmt.h"
#include "daemon/clock_init.h"
#include "sys/atomic_file.h"
#include "sys/log.h"

#define RTCFILE_MODE 0644

static bool save(void *arg, const struct rtct_coefs *c)
{
  struct rtcdrift *d = arg;
  char text[128];
  struct rtcfile_coefs f = {.valid = c->valid, .ref_time = c->ref_time, .offset = c->fast,
                            .rate_ppm = c->gain * 1e6};
  size_t len = rtcfile_format(text, sizeof(text), &f);
  int err = len ? atomic_file_write(d->file, text, len, RTCFILE_MODE) : -EOVERFLOW;
  if (err < 0)
    log_printf(PLAT_LOG_ERR, "Could not write RTC parameters to %s : %s", d->file,
               strerror(-err));
  return err == 0;
}

/* Written when `log rtc` is set now (a reload may change it). */
static void log_measurement(void *arg, const struct rtct_log *l)
{
  struct rtcdrift *d = arg;
  char line[LOGFMT_LINE_MAX];
  logfiles_write(d->logs, LOGFMT_RTC, line, logfmt_rtc(line, sizeof(line), l));
}

static void initial_done(void *arg)
{
  struct rtcdrift *d = arg;
  d->initial_done(d->initial_arg);
}

bool rtcdrift_start(struct rtcdrift *d, const struct config *cfg, const struct platform *plat,
                    struct reference *ref, struct logfiles *logs, bool initial,
                    void (*done)(void *arg), void *arg)
{
  memset(d, 0, sizeof(*d));
  if (!cfg->rtcfile)
    return true;
  if (cfg->rtcsync) {
    log_printf(PLAT_LOG_FATAL, "rtcfile directive cannot be used with rtcsync");
    return false;
  }
  d->logs = logs;
  if (!(d->file = strdup(cfg->rtcfile))) {
    log_printf(PLAT_LOG_FATAL, "Out of memory");
    return false;
  }
  struct rtct_params p = {.device = cfg->rtcdevice, .utc = clock_rtc_on_utc(cfg),
                          .autotrim = cfg->rtcautotrim, .save = save,
                          .log = log_measurement, .initial = initial,
                          .initial_done = initial_done, .arg = d};
  d->initial_done = done;
  d->initial_arg = arg;
  if (initial)
    clock_rtcfile_coefs(cfg, &p.file);
  if (!rtct_start(&d->track, plat, ref->disc, ref->state, &p)) {
    log_printf(PLAT_LOG_ERR, "RTC driver could not be initialised");
    return true;
  }
  if (!disc_add_listener(ref->disc, rtct_clock_changed, &d->track)) {
    log_printf(PLAT_LOG_ERR, "RTC driver could not be initialised");
    rtct_stop(&d->track);
    return true;
  }
  d->running = true;
  return true;
}

struct rtctrack *rtcdrift_tracker(struct rtcdrift *d)
{
  return d->running ? &d->track : NULL;
}

void rtcdrift_stop(struct rtcdrift *d)
{
  if (d->running)
    rtct_stop(&d->track);
  d->running = false;
  free(d->file);
  d->file = NULL;
}
