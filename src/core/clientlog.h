/* clientlog: chrony's client log. For each client address: NTP, command
 * and NTS-KE hits, drops by rate limiting, the time of the last hit, and
 * estimates of the interval between requests (log2 seconds, chronyc's
 * "Int"/"IntL"); and the token buckets of `ratelimit`, `cmdratelimit` and
 * `ntsratelimit`.
 *
 * As chronyd 4.8: the records live in a hash table of slots of 16 records,
 * keyed by a secret seed. The table starts with one slot and doubles (in
 * place) while a slot is full and the doubled table stays within
 * `clientloglimit` bytes, counted as chronyd counts them: 64 bytes a
 * record and 16 an entry of the map of interleaved timestamps, which holds
 * as many entries as the table may hold records, and room for the old
 * table while a new one is filled; so the default 524288 gives 4096
 * records and 4096 timestamps. When the table cannot grow, a new address
 * replaces the record of its slot whose last hit is oldest (fewest hits
 * on a tie), counted in log_drops. `noclientlog` keeps only the totals.
 *
 * Rate limiting (chrony's token bucket): time counts in 1/16 s; a hit
 * costs 2^(4 + interval) tokens, the bucket holds `burst` hits and refills
 * at one token per 1/16 s. Without tokens, a request is still answered
 * once in 2^leak on average (so a spoofed victim is not cut off), and
 * answered mostly if the client's request rate while it got no answers is
 * more than twice its rate while it did (a client that retries faster).
 * With `kod K` (newer chrony; not in 4.3) one in 2^K of the dropped
 * requests gets a KoD RATE instead.
 *
 * Pure: time comes from the caller, randomness from the seed. */
#ifndef STRATUM_CORE_CLIENTLOG_H
#define STRATUM_CORE_CLIENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/addr.h"

enum clog_service { CLOG_NTP, CLOG_CMD, CLOG_NTSKE, CLOG_N_SERVICES };

enum clog_verdict { CLOG_PASS, CLOG_DROP, CLOG_KOD };

#define CLOG_DEFAULT_LIMIT 524288u       /* clientloglimit */
#define CLOG_RECORD_COST 80u             /* bytes a record is counted for */
#define CLOG_SLOT_SIZE 16u
#define CLOG_MAX_RECORDS (1u << 24)
#define CLOG_MIN_INTERVAL (-19)          /* ratelimit interval range */
#define CLOG_MAX_INTERVAL 12
#define CLOG_NO_INTERVAL 127             /* no estimate yet */
#define CLOG_NEVER UINT32_MAX            /* last_ago of a service never used */

struct clog_ratelimit {
  bool enabled;
  int interval;                 /* log2 s, clamped to -19..12 */
  int burst;                    /* clamped to 1..255 */
  int leak;                     /* clamped to 1..4 */
  int kod;                      /* 0: never; clamped to 0..4 */
};

struct clog_params {
  bool active;                  /* false: noclientlog */
  uint64_t limit;               /* clientloglimit, bytes */
  struct clog_ratelimit rate[CLOG_N_SERVICES];
  uint64_t seed;                /* keys the hash, drives the random leak */
};

struct clog_report {
  struct ip_addr addr;
  uint32_t hits[CLOG_N_SERVICES];
  uint32_t drops[CLOG_N_SERVICES];
  int8_t interval[CLOG_N_SERVICES];      /* log2 s, or CLOG_NO_INTERVAL */
  int8_t ntp_timeout_interval;           /* while NTP requests were dropped */
  uint32_t last_ago[CLOG_N_SERVICES];    /* seconds, or CLOG_NEVER */
};

struct clog_totals {
  uint64_t hits[CLOG_N_SERVICES];
  uint64_t drops[CLOG_N_SERVICES];
  uint64_t record_drops;        /* records replaced in a full table */
};

struct clientlog;

/* NULL if out of memory (or a rate limit is enabled with !active). */
struct clientlog *clog_new(const struct clog_params *p);
void clog_free(struct clientlog *l);

/* Count a request from addr (IPv4-mapped IPv6 counts as IPv4) at now.
 * Returns the record's index for clog_limit, or -1 when no record is kept
 * (noclientlog, an address of no family); the totals count it anyway. */
int clog_access(struct clientlog *l, enum clog_service s, const struct ip_addr *addr,
                const struct timespec *now);

/* Whether to answer the request just counted at index (from clog_access,
 * with no other call between). */
enum clog_verdict clog_limit(struct clientlog *l, enum clog_service s, int index);

/* Interleaved mode, as chronyd 4.8: the timestamps of replies to requests
 * that may be interleaved, in a map of their receive timestamps (see
 * core/tsmap.h) of as many entries as the table may hold records. Saved
 * only with a client log (not noclientlog). */
void clog_save_ntp_timestamps(struct clientlog *l, uint64_t rx, uint64_t tx);

/* The saved transmit time of the reply whose receive timestamp was rx,
 * whichever client it was; used once (false after that). */
bool clog_take_ntp_tx(struct clientlog *l, uint64_t rx, uint64_t *tx);

/* A better transmit time (the kernel's) of the reply whose receive
 * timestamp was rx. */
void clog_update_ntp_tx(struct clientlog *l, uint64_t rx, uint64_t tx);

/* Timestamps saved and the span of their receive timestamps in seconds
 * (serverstats). */
void clog_ntp_timestamp_stats(const struct clientlog *l, uint32_t *count, uint32_t *span);

/* The NTP rate limit interval (log2 s) a reply suggests as its poll, or
 * CLOG_MIN_INTERVAL without ratelimit. */
int clog_min_poll(const struct clientlog *l);

/* A new rate limit of service s (a reload): every record's bucket starts
 * full, as a new client's. False, with nothing changed, if it enables
 * limiting without a client log (noclientlog). */
bool clog_set_ratelimit(struct clientlog *l, enum clog_service s, const struct clog_ratelimit *r);

/* Records in the table (the range of report indices), -1 with noclientlog. */
int clog_n_indices(const struct clientlog *l);

/* The record at index, if it holds an address with at least min_hits hits
 * of some service (0: any). With reset, its hits and drops are zeroed
 * afterwards (whether reported or not). */
bool clog_report(struct clientlog *l, uint32_t index, bool reset, uint32_t min_hits,
                 const struct timespec *now, struct clog_report *r);

void clog_get_totals(const struct clientlog *l, struct clog_totals *t);

/* Most records the table may grow to (and timestamps the map may hold),
 * and the bytes both hold now. */
uint32_t clog_max_records(const struct clientlog *l);
size_t clog_memory(const struct clientlog *l);

#endif
