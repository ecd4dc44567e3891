/* query: measure the offset of the local clock against a set of servers
 * without touching it (stratumd -Q, like chronyd -Q).
 *
 * Each server gets a request every QUERY_INTERVAL seconds until it has
 * QUERY_GOOD_SAMPLES valid replies or QUERY_MAX_REQUESTS were sent (the
 * shape of chrony's iburst; chronyd -Q ends at its first update, which
 * needs 3 samples: 4 s). The sample with the lowest delay is kept per
 * server. Servers with a key get authenticated requests and must answer
 * with a MAC by that key (a missing key is warned about at start, as
 * chronyd does). An NTS server (nts set) gets its keys and cookies first,
 * through the NTS-KE ops, as the daemon's sources do (cookies loaded from
 * and saved to ntsdumpdir by attach/detach); its requests go to the NTP
 * server the NTS-KE named, sealed, and only authentic replies count. A
 * time without a cookie sends nothing; a failed NTS-KE finishes the server
 * (chronyd would retry it 16 s later at the earliest). on_server is called once for each server as it finishes
 * (for progress), and on_done once when all have, at once after the last
 * reply that finished them. */
#ifndef STRATUM_CORE_QUERY_H
#define STRATUM_CORE_QUERY_H

#include <stdbool.h>

#include "core/exchange.h"
#include "core/nts_client.h"
#include "core/platform.h"

#define QUERY_INTERVAL 2.0
#define QUERY_GOOD_SAMPLES 3
#define QUERY_MAX_REQUESTS 8
/* and at most this many request times in all, those that waited for an
 * NTS-KE included (NTSKC's timeout is 8 of them) */
#define QUERY_MAX_TICKS (QUERY_MAX_REQUESTS + 8)

struct query_server {
  char name[256];
  struct ip_addr addr;
  uint16_t port;
  uint32_t key;               /* 0: none */
  int version;                /* 0: chosen as chronyd does */
  int poll;                   /* what requests say: the source's minpoll */
  /* Valid replies that finish it (its maxsamples, when under
   * QUERY_GOOD_SAMPLES: chronyd's first update then needs fewer); 0:
   * QUERY_GOOD_SAMPLES. */
  unsigned good_needed;
  struct ntsc *nts;           /* NULL: not an NTS server */
  int sock;                   /* -1 when not open */
  ntp_ts nonce;               /* 0 when no request is outstanding */
  struct timespec tx_time;
  unsigned sent, valid;
  unsigned ticks;             /* request times, sent or not (NTS-KE) */
  unsigned unauthenticated;   /* replies that failed the authentication test */
  bool key_missing;           /* key set but not in the keyfile: never asked */
  bool reported;              /* on_server was called */
  bool have_best;
  struct exch_sample best;
  enum exch_result last_error;
};

struct query {
  const struct platform *plat;
  const struct ntp_keyring *keys;
  const struct ntsc_ke_ops *nts_ke;
  struct query_server *servers;
  unsigned n_servers;
  plat_timer timer;
  bool done;
  void (*on_server)(void *arg, const struct query_server *s);
  void (*on_done)(void *arg);
  void *arg;
};

/* servers[] must stay valid until the query is freed; nts_ke may be NULL
 * when no server has nts. Returns false when no
 * server could be reached at all (no socket). */
bool query_start(struct query *q, const struct platform *plat, const struct ntp_keyring *keys,
                 const struct ntsc_ke_ops *nts_ke, struct query_server *servers, unsigned n,
                 void (*on_server)(void *arg, const struct query_server *s),
                 void (*on_done)(void *arg), void *arg);
/* Ends the queries; NTS servers are detached (their cookies saved). */
void query_stop(struct query *q);
/* Its NTS-KE failed: nothing was measured. */
bool query_nts_failed(const struct query_server *s);
/* The server whose best sample has the smallest root distance, or NULL. */
const struct query_server *query_best(const struct query *q);

#endif
