/* client_source: one NTP source's options as a server, pool or peer line
 * gives them (chrony's names and defaults), and chronyd's limits of them.
 * Shared by the configuration, the client and each source (core/ntp_source.h). */
#ifndef STRATUM_CORE_CLIENT_SOURCE_H
#define STRATUM_CORE_CLIENT_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/select.h"

/* One server/peer's options, chrony's names and defaults (see
 * client_source_defaults). */
struct client_source_params {
  struct ip_addr addr;
  uint16_t port;                 /* NTP_PORT */
  char name[256];                /* as configured, for logs */
  int minpoll, maxpoll;          /* 6, 10 */
  int polltarget;                /* 8 */
  bool iburst, burst, prefer, noselect, trust, require, offline;
  bool auto_offline;             /* a request that cannot be sent: offline */
  int maxunreach;                /* 100000: polls it may stay selectable while
                                    unreachable (with recent enough samples) */
  bool xleave;                   /* interleaved mode */
  int version;                   /* 0: 3 with a key whose MAC NTPv4 would
                                    truncate, else 4, as chrony */
  int minstratum;                /* 0 */
  int minsamples, maxsamples;    /* -1: the statistics' defaults */
  double maxdelay;               /* 3.0 */
  double maxdelayratio;          /* 0: off */
  double maxdelaydevratio;       /* 10.0 */
  double mindelay;               /* 0: off */
  double asymmetry;              /* SST_DEFAULT_ASYMMETRY: estimate it */
  double offset;                 /* 0.0 */
  uint32_t key;                  /* 0: none; else authenticate with this key */
  int presend;                   /* 100: an extra request 2 s before each one
                                    sent at a poll of at least this */
  int filter;                    /* 0: off; else median filter of N samples */
  double maxdelayquant;          /* 0: off; else test C keeps delays up to this
                                    long-term quantile (0.05..0.95) */
  bool copy;                     /* a server's stratum and refid as our own
                                    (chrony's copy; servers only) */
  bool peer;                     /* symmetric active mode (a `peer` line) */
  bool nts;                      /* NTS (not for peers): the key is not used */
  uint16_t ntsport;              /* the NTS-KE port, NTSKE_PORT */
  int certset;                   /* the trusted certificates' set, 0 */
  uint32_t ext_fields;           /* extfield: NTPEXT_FLAG_* (proto/ntp_ext.h) */
};

void client_source_defaults(struct client_source_params *s);

/* chronyd's limits of a source's polling (ntp_core.c): poll exponents from
 * -7 (1/128 s) to 24. Intervals below 1 s are used only while the source
 * answers with a round-trip delay of at most CLIENT_MAX_LAN_DELAY. */
#define CLIENT_MIN_POLL (-7)
#define CLIENT_MAX_POLL 24
#define CLIENT_MIN_NONLAN_POLL 0
#define CLIENT_MAX_LAN_DELAY 0.01
#define CLIENT_DEFAULT_MAXUNREACH SEL_DEFAULT_MAX_UNREACH
/* chronyd's limits of the delay tests' settings (0 up to these). */
#define CLIENT_MAX_MAXDELAY 1.0e3
#define CLIENT_MAX_MAXDELAYRATIO 1.0e6
#define CLIENT_MAX_MAXDELAYDEVRATIO 1.0e6
/* Bring the options into the ranges chronyd gives them when it creates a
 * source: a minpoll or maxpoll below CLIENT_MIN_POLL takes its default, one
 * above CLIENT_MAX_POLL becomes CLIENT_MAX_POLL, maxpoll is at least
 * minpoll; polltarget is at least 1 (chronyd 4.4); minstratum at most 15;
 * maxdelay, maxdelayratio and maxdelaydevratio within 0 and their limits;
 * minsamples (unless -1, the global setting) and maxsamples are limited to
 * the statistics' 1..SST_MAX_SAMPLES. Sources are bounded when added; the
 * configuration parser calls it to warn. */
void client_source_bound(struct client_source_params *s);
/* value within lo and hi (NaN: lo), as chronyd's CLAMP of these settings. */
double client_source_clamp(double lo, double value, double hi);

#endif
