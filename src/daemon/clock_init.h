/* clock_init: chronyd's -s, before the sources start: the system clock is
 * set from the RTC (rtcdevice, keeping UTC with rtconutc, else local
 * time, less the error rtcfile's coefficients give it) when it is more
 * than a second off, unless that is a time before the drift file's last
 * change; without a usable RTC, a clock
 * behind the drift file's last change is set to it (the time the daemon
 * last ran). Without clock control (-x) the step is not made and chronyd's
 * "Could not step system clock" is logged. */
#ifndef STRATUM_DAEMON_CLOCK_INIT_H
#define STRATUM_DAEMON_CLOCK_INIT_H

#include <stdbool.h>

#include "conf/config.h"

void clock_init_from_rtc(const struct config *cfg, bool control);
/* Whether the RTC keeps UTC: hwclockfile's word over rtconutc, as chronyd
 * (a missing file says nothing). */
bool clock_rtc_on_utc(const struct config *cfg);

#endif
