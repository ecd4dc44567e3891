/* rtcinit: see rtcinit.h. */
#include "core/rtcinit.h"

#include <math.h>

#include "proto/timespec.h"

#define MIN_RTC_STEP 1.0          /* s: closer than this the RTC cannot tell */
#define RTC_READ_ERROR 0.5        /* s: a reading is somewhere in its second */

static bool step(const struct platform *plat, bool control, double seconds)
{
  if (control && plat->ops->clock_step && plat->ops->clock_step(plat->ctx, seconds) == 0)
    return true;
  plat_logf(plat, PLAT_LOG_ERR, "Could not step system clock");
  return false;
}

/* Nothing is pushed: the device is read once and closed. */
static void no_reading(void *arg, const uint8_t *data, size_t len)
{
  (void)arg;
  (void)data;
  (void)len;
}

static bool read_rtc(const struct platform *plat, const struct rtci_params *p,
                     struct plat_rtc_reading *rd)
{
  if (!plat->ops->refclock_open || !plat->ops->rtc_read)
    return false;
  int h = plat->ops->refclock_open(plat->ctx, PLAT_REFCLOCK_RTC, p->device,
                                   p->utc ? (int)PLAT_RTC_UTC : 0, no_reading, NULL);
  if (h < 0)
    return false;                 /* chronyd: quietly, the driver will say */
  int err = plat->ops->rtc_read(plat->ctx, h, rd);
  plat->ops->refclock_close(plat->ctx, h);
  return err == 0;
}

/* RTC_Linux_TimePreInit. */
static bool from_rtc(const struct platform *plat, const struct rtci_params *p)
{
  struct plat_rtc_reading rd;
  if (!read_rtc(plat, p, &rd))
    return false;
  const struct rtct_coefs *c = &p->file;
  double error = c->valid ? c->fast + (double)(rd.rtc_sec - c->ref_time) * c->gain : 0.0;
  struct timespec rtc = {.tv_sec = (time_t)rd.rtc_sec};
  struct timespec corrected = timespec_add_double(&rtc, RTC_READ_ERROR - error);
  if (corrected.tv_sec < p->driftfile_time) {
    plat_logf(plat, PLAT_LOG_WARN, "RTC time before last driftfile modification (ignored)");
    return false;
  }
  double offset = timespec_diff(&corrected, &rd.sys_time);   /* > 0: the clock is behind */
  if (fabs(offset) >= MIN_RTC_STEP && step(plat, p->control, offset))
    plat_logf(plat, PLAT_LOG_INFO, "System time set from RTC");
  return true;
}

bool rtci_set_clock(const struct platform *plat, const struct rtci_params *p)
{
  if (from_rtc(plat, p))
    return true;
  if (p->driftfile_time) {
    struct timespec now;
    plat->ops->now(plat->ctx, &now);
    if (now.tv_sec < p->driftfile_time &&
        step(plat, p->control, (double)(p->driftfile_time - now.tv_sec)))
      plat_logf(plat, PLAT_LOG_INFO, "System time restored from driftfile");
  }
  return false;
}
