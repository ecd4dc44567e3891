#include "daemon/clock_init.h"

#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "conf/adjtime.h"
#include "conf/rtcfile.h"
#include "core/platform.h"
#include "proto/timespec.h"
#include "sys/atomic_file.h"
#include "sys/clock_linux.h"
#include "sys/log.h"
#include "sys/rtc_linux.h"

#define MIN_RTC_STEP 1.0      /* s: closer than this, the RTC cannot tell */
#define RTC_READ_ERROR 0.5    /* s: a reading is the start of its second */

static time_t driftfile_time(const struct config *cfg)
{
  struct stat st;
  return cfg->driftfile && stat(cfg->driftfile, &st) == 0 ? st.st_mtime : 0;
}

static bool step(double seconds, bool control)
{
  if (control && clock_linux_step(seconds) == 0)
    return true;
  log_printf(PLAT_LOG_ERR, "Could not step system clock");
  return false;
}

/* Whether the RTC keeps UTC: hwclockfile's word over rtconutc, as chronyd
 * (a missing file says nothing). */
bool clock_rtc_on_utc(const struct config *cfg)
{
  char text[4096];
  if (!cfg->hwclockfile || !cfg->hwclockfile[0])
    return cfg->rtconutc;
  FILE *f = fopen(cfg->hwclockfile, "re");
  if (!f)
    return cfg->rtconutc;
  size_t len = fread(text, 1, sizeof(text) - 1, f);
  fclose(f);
  text[len] = '\0';
  switch (adjtime_parse(text)) {
  case ADJTIME_UTC: return true;
  case ADJTIME_LOCAL: return false;
  case ADJTIME_UNKNOWN: break;
  }
  log_printf(PLAT_LOG_WARN, "Could not read RTC LOCAL/UTC setting from %s", cfg->hwclockfile);
  return cfg->rtconutc;
}

/* How fast the RTC is at its time rtc, from rtcfile's coefficients (0
 * without valid ones). */
static double rtc_error(const struct config *cfg, time_t rtc)
{
  char text[256];
  struct rtcfile_coefs c;
  if (!cfg->rtcfile || atomic_file_read(cfg->rtcfile, text, sizeof(text) - 1) < 0)
    return 0.0;
  if (!rtcfile_parse(text, &c)) {
    log_printf(PLAT_LOG_WARN, "Could not read coefficients from %s", cfg->rtcfile);
    return 0.0;
  }
  return c.valid ? c.offset + (double)(rtc - c.ref_time) * 1e-6 * c.rate_ppm : 0.0;
}

/* The RTC's time; false if there is none to use. */
static bool set_from_rtc(const struct config *cfg, bool control, time_t not_before)
{
  time_t rtc = rtc_linux_read(cfg->rtcdevice, clock_rtc_on_utc(cfg));
  if (rtc == (time_t)-1)
    return false;
  /* The true time: the RTC less the error it has gathered since rtcfile's
   * reference, as the coefficients tell. */
  struct timespec now, rtc_time = {.tv_sec = rtc};
  struct timespec corrected = timespec_add_double(&rtc_time, RTC_READ_ERROR - rtc_error(cfg, rtc));
  if (corrected.tv_sec < not_before) {
    log_printf(PLAT_LOG_WARN, "RTC time before last driftfile modification (ignored)");
    return false;
  }
  clock_gettime(CLOCK_REALTIME, &now);
  double offset = timespec_diff(&corrected, &now);
  if (offset >= MIN_RTC_STEP || offset <= -MIN_RTC_STEP) {
    if (step(offset, control))
      log_printf(PLAT_LOG_INFO, "System time set from RTC");
  }
  return true;
}

void clock_init_from_rtc(const struct config *cfg, bool control)
{
  time_t drift = driftfile_time(cfg);
  if (set_from_rtc(cfg, control, drift) || drift == 0)
    return;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  if (now.tv_sec < drift && step((double)(drift - now.tv_sec), control))
    log_printf(PLAT_LOG_INFO, "System time restored from driftfile");
}
