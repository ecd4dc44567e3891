/* rtcdrift: the rtcfile directive: the RTC's drift tracked by the core
 * (core/rtctrack.h) on rtcdevice, its coefficients saved in the file in
 * chronyd's format (conf/rtcfile.h; replaced atomically), each measurement
 * appended to rtc.log with `log rtc`. As chronyd: rtcfile with rtcsync is
 * fatal; an RTC that cannot be opened or has no update interrupts is
 * logged ("RTC driver could not be initialised") and the daemon runs on
 * without (chronyc's RTC commands then answer "RTC driver not running").
 * After -s set the clock from the RTC (initial), the tracking begins with
 * chronyd's initial trim (core/rtctrack.h) and `initial_done` is called at
 * its end: the daemon's sources wait for it, as chronyd's. */
#ifndef STRATUM_DAEMON_RTCDRIFT_H
#define STRATUM_DAEMON_RTCDRIFT_H

#include <stdbool.h>

#include "conf/config.h"
#include "core/reference.h"
#include "core/rtctrack.h"
#include "daemon/logfiles.h"

struct rtcdrift {
  bool running;
  char *file;
  struct logfiles *logs;
  struct rtctrack track;
  void (*initial_done)(void *arg);
  void *initial_arg;
};

/* False (fatal, logged) only for rtcfile with rtcsync. initial: -s set
 * the clock from the RTC; then, if the tracking runs, done(arg) is called
 * after the initial trim. */
bool rtcdrift_start(struct rtcdrift *d, const struct config *cfg, const struct platform *plat,
                    struct reference *ref, struct logfiles *logs, bool initial,
                    void (*done)(void *arg), void *arg);
/* What chronyc's RTC commands act on; NULL when not running. */
struct rtctrack *rtcdrift_tracker(struct rtcdrift *d);
/* The coefficients saved (as chronyd at exit), the device closed. */
void rtcdrift_stop(struct rtcdrift *d);

#endif
