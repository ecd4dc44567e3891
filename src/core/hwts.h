/* hwts: hardware timestamping of NTP packets (chronyd's hwtimestamp
 * directive, ntp_io_linux.c).
 *
 * Each interface named (then `*`: every other one that can, silently) is
 * switched on through the platform (hwts_enable); its NIC clock, read as
 * a PHC at most every 2^minpoll s when a stamp comes and at least every
 * 2^maxpoll s after the first, is tracked against the cooked system time
 * (core/hwclock.h). The platform hands each hardware stamp here to be made
 * its own time: a receive stamp moved from the frame's start to its end
 * (its length at the link speed, the frame's length guessed from the UDP
 * data's as chronyd does when not given: the headers as long as in the
 * last frame sent with a stamp), then txcomp added to transmit
 * stamps and rxcomp taken from receive ones; one more than a second away
 * from the kernel's (or daemon's) stamp of the packet is not taken. */
#ifndef STRATUM_CORE_HWTS_H
#define STRATUM_CORE_HWTS_H

#include <stdbool.h>

#include "core/discipline.h"
#include "core/hwclock.h"
#include "core/platform.h"

#define HWTS_MIN_POLL -6
#define HWTS_MAX_POLL 20

/* One hwtimestamp line. */
struct hwts_params {
  const char *iface;                   /* "*": all */
  int minpoll, maxpoll, minsamples, maxsamples;
  double precision, txcomp, rxcomp;
  bool nocrossts;
  enum plat_rxfilter rxfilter;
};

struct hwts_iface {
  char name[PLAT_IFNAME_LEN];
  int if_index;
  int phc;                             /* refclock handle of its clock */
  int link_speed;                      /* Mb/s */
  int l2_udp4_start, l2_udp6_start;    /* UDP data's offset in a frame */
  double txcomp, rxcomp;
  int minpoll, maxpoll;
  int minsamples, maxsamples;
  double precision;
  struct hcl hcl;
  plat_timer poll_timer;
  struct hwts *owner;
};

struct hwts {
  const struct platform *plat;
  const struct discipline *disc;       /* NULL until hwts_start */
  struct hwts_iface *ifaces;
  unsigned n;
};

void hwts_init(struct hwts *h, const struct platform *plat);
/* The lines' interfaces switched on, the named ones first as chronyd
 * does; false (logged) if a named one could not be. */
bool hwts_add(struct hwts *h, const struct hwts_params *lines, unsigned n);
/* Conversion starts, on disc's time scale (its listener is added);
 * sys_precision: the system clock's (s). False if no listener was free. */
bool hwts_start(struct hwts *h, const struct discipline *disc, double sys_precision);
/* The platform's converter (plat_hwts_fn; arg: the struct hwts). */
bool hwts_convert(void *arg, const struct plat_hw_stamp *s, struct timespec *out);
void hwts_fini(struct hwts *h);

#endif
