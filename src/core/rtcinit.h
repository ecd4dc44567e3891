/* rtcinit: chronyd's -s before the sources start (rtc.c's RTC_Initialise
 * with initial_set, rtc_linux.c's RTC_Linux_TimePreInit): the RTC is read
 * once through the platform (rtc_read, not waiting for an interrupt), its
 * time taken as the middle of its second (+0.5 s) less the error rtcfile's
 * coefficients give it at that time; a time before the driftfile's last
 * change is refused ("RTC time before last driftfile modification
 * (ignored)"), else the clock is stepped to it when 1 s or more off
 * ("System time set from RTC"). When the RTC gave no time (no device, a
 * read that failed, a refused time), a clock behind the driftfile's last
 * change is stepped to it ("System time restored from driftfile"), the
 * time the daemon last ran. Without clock control (-x) no step is made and
 * chronyd's "Could not step system clock" is logged. */
#ifndef STRATUM_CORE_RTCINIT_H
#define STRATUM_CORE_RTCINIT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/platform.h"
#include "core/rtctrack.h"

struct rtci_params {
  const char *device;            /* rtcdevice */
  bool utc;                      /* the RTC keeps UTC */
  struct rtct_coefs file;        /* rtcfile's coefficients (valid false: none) */
  int64_t driftfile_time;        /* the driftfile's last change; 0: none */
  bool control;                  /* false (-x): no step is made */
};

/* True when the RTC gave a time that was used (chronyd's driver_preinit_ok:
 * with rtcfile, the tracking then starts with the initial trim). */
bool rtci_set_clock(const struct platform *plat, const struct rtci_params *p);

#endif
