/* clock_init: chronyd's -s, before the sources start: the files it needs
 * (rtcfile's coefficients, the driftfile's last change, hwclockfile's
 * LOCAL/UTC word) read for core/rtcinit.h, which sets the clock from the
 * RTC through the platform (or from the driftfile's time). */
#ifndef STRATUM_DAEMON_CLOCK_INIT_H
#define STRATUM_DAEMON_CLOCK_INIT_H

#include <stdbool.h>

#include "conf/config.h"
#include "core/platform.h"
#include "core/rtctrack.h"

/* True when the clock was set from the RTC (with rtcfile, its tracking
 * then starts with chronyd's initial trim). control: false with -x. */
bool clock_init_from_rtc(const struct config *cfg, const struct platform *plat, bool control);
/* Whether the RTC keeps UTC: hwclockfile's word over rtconutc, as chronyd
 * (a missing file says nothing). */
bool clock_rtc_on_utc(const struct config *cfg);
/* rtcfile's coefficients (none, valid false, without the file; a file
 * that cannot be parsed is logged, as chronyd's "Could not read
 * coefficients from"). */
void clock_rtcfile_coefs(const struct config *cfg, struct rtct_coefs *out);

#endif
