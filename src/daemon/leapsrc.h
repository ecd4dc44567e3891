/* leapsrc: the leap second database of leapsectz and leapseclist, read
 * from its file as chronyd's leapdb.c reads it: checked once at start
 * (June 30 2012 has a leap second, TAI-UTC 34, then 35), and read again
 * each time the reference asks (at most twice a day), so an updated file
 * takes effect without a restart. A list wins over a zone when both pass
 * the check. The zone's file is TZDIR (default /usr/share/zoneinfo) /
 * ZONE, or ZONE itself when it is an absolute path, as the C library
 * finds it. */
#ifndef STRATUM_DAEMON_LEAPSRC_H
#define STRATUM_DAEMON_LEAPSRC_H

#include <limits.h>
#include <stdbool.h>
#include <time.h>

#include "proto/ntp_packet.h"

struct leapsrc {
  bool list;                     /* the source in use is a leap-seconds.list... */
  char path[PATH_MAX];           /* ...or a zone's TZif file; "" when none */
  const char *name;              /* as configured, for the messages */
};

/* The source to use, logging chronyd's messages ("Timezone right/UTC
 * failed leap second check, ignoring", "Using leap second list FILE"...).
 * False when neither is configured or passes the check. */
bool leapsrc_init(struct leapsrc *ls, const char *leapsectz, const char *leapseclist);
/* A ref_leap_lookup_fn (arg: the struct leapsrc): the file read and asked
 * about the UTC day of `when`; an unreadable file is no leap, TAI-UTC 0. */
enum ntp_leap leapsrc_lookup(void *arg, time_t when, int *tai);

#endif
