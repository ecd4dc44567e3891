/* leapdb: which UTC days end with a leap second, and the TAI-UTC offset,
 * from the two sources chronyd reads (leapdb.c): a tz database zone with
 * leap seconds (leapsectz, e.g. right/UTC: its TZif file's leap records)
 * or a NIST/IERS leap-seconds.list (leapseclist). Pure: the daemon reads
 * the files, these parse them and answer chronyd's questions. */
#ifndef STRATUM_CORE_LEAPDB_H
#define STRATUM_CORE_LEAPDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proto/ntp_packet.h"

#define LEAPDB_MAX 256               /* changes of TAI-UTC a table holds */
#define LEAPDB_BASE_TAI 10           /* TAI-UTC before the first entry (1972) */

struct leapdb_entry {
  int64_t at;                        /* Unix time (a UTC midnight) from which... */
  int tai;                           /* ...TAI-UTC is this */
};

struct leapdb {
  struct leapdb_entry e[LEAPDB_MAX];
  size_t n;                          /* in increasing order of `at` */
  int64_t expiry;                    /* Unix time the list expires; 0: not given */
};

/* A TZif file (RFC 8536, version 1 to 4; the 64-bit data of version 2+):
 * its leap second records. False on a malformed file. */
bool leapdb_parse_tzif(const uint8_t *buf, size_t len, struct leapdb *db);
/* leap-seconds.list text: "#$ UPDATED", "#@ EXPIRES", other "#" comments,
 * entries "NTP-SECONDS TAI-OFFSET [# comment]", blank lines. False on a
 * malformed line, entries out of order, or a missing update or expiry
 * line (chronyd's "Failed to parse leap seconds list"). */
bool leapdb_parse_list(const char *text, size_t len, struct leapdb *db);

/* chronyd's LDB_GetLeap for the UTC day of `when`: a leap second at its
 * end (NTP_LEAP_INSERT or DELETE) or NTP_LEAP_NONE, and the TAI-UTC
 * offset during that day. */
enum ntp_leap leapdb_get(const struct leapdb *db, time_t when, int *tai);
/* chronyd's check of a leap second source: June 30 2012 ends with an
 * inserted second and TAI-UTC is 34, December 31 2012 has none and 35. */
bool leapdb_check(const struct leapdb *db);
/* The list's expiry is known and `when` (rounded up to the end of its UTC
 * day, as chronyd) is at or past it. */
bool leapdb_expired(const struct leapdb *db, time_t when);

#endif
