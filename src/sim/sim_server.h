/* sim_server: a simulated NTP server on a simulated host.
 *
 * Requests are answered by the real core responder (srv_receive) from a
 * reference state synchronised at the configured stratum, whose reference
 * time follows the host's clock (refreshed every SIM_SERVER_REF_PERIOD).
 * The host's clock makes the server good (no error) or a falseticker
 * (offset, frequency error); link outages make it intermittent. Two
 * behaviours the core lacks are added here: with kod_interval > 0, a request
 * arriving less than kod_interval local seconds after the previous one (from
 * any client) gets a kiss-o'-death RATE instead of time; with step != 0 the
 * host's clock is stepped by `step` at step_at seconds of true time after the
 * start of the simulation, as chronyd's doffset corrects it: replies' F323
 * monotonic receive times go on (same epoch), so clients can tell the
 * correction from their drift. With xleave, the server keeps a client log (no
 * rate limits) and asks for the simulated kernel transmit timestamps of its
 * replies, so it answers interleaved requests (RFC 9769) as the daemon does;
 * without it (the default) it has no client log and answers every request
 * in basic mode. With ratelimit enabled, it keeps a client log that limits
 * (and with kod answers) requests as the daemon's ratelimit directive does.
 * With fuzz, its receive and transmit stamps carry random
 * bits below its precision, as chronyd's do. With keys, requests with a
 * MAC are answered as the daemon's keyfile makes it answer them. Free the
 * server before its host (and its keys). */
#ifndef STRATUM_SIM_SERVER_H
#define STRATUM_SIM_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ntp_server.h"
#include "sim/sim_platform.h"
#include "sim/sim_sched.h"

#define SIM_SERVER_REF_PERIOD 16.0
#define SIM_SERVER_PRECISION (-20)
#define SIM_SERVER_REFID_GPS 0x47505300u   /* "GPS" */

struct sim_server_config {
  uint16_t port;              /* 0: 123 */
  int stratum;                /* 0: 1 */
  uint32_t refid;             /* 0: GPS */
  double root_delay, root_dispersion;
  double kod_interval;        /* seconds; 0: never */
  double step_at, step;       /* seconds; step 0: never */
  bool xleave;                /* client log + transmit timestamps: interleaved mode */
  uint8_t leap;               /* enum ntp_leap announced: 0 none, 1 insert, 2 delete */
  bool fuzz;                  /* random bits below its precision in its stamps (chronyd) */
  struct clog_ratelimit ratelimit;   /* the ratelimit directive (enabled: on) */
  const struct ntp_keyring *keys;    /* symmetric keys (keyfile); NULL: none */
};

struct sim_server;

/* NULL if the port cannot be bound or out of memory. */
struct sim_server *sim_server_new(struct sim_sched *sched, struct sim_platform *host,
                                  const struct sim_server_config *cfg);
void sim_server_free(struct sim_server *s);

const struct srv_stats *sim_server_stats(const struct sim_server *s);
uint64_t sim_server_kods(const struct sim_server *s);

#endif
