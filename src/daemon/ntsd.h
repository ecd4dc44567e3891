/* ntsd: stratumd's NTS server (RFC 8915), as chronyd's. With ntsprocesses
 * 0 the NTS-KE server runs in the event loop, else the loop admits the
 * connections and daemon/ntshelpers.h's processes serve them (sys/tlsd.h:
 * TLS 1.3, ALPN "ntske/1", maxntsconnections at a time per process, each
 * closed after NTSD_CONNECTION_TIMEOUT seconds) on ntsport at the NTP
 * server's bindaddress (default 0.0.0.0 and ::), to the clients the NTP
 * server's allow/deny let in (chronyd's rule) within ntsratelimit (the NTP
 * server's client log, CLOG_NTSKE), answering with core/nts_server.h; the
 * NTP server answers NTS requests with the same keys.
 *
 * It starts when ntsservercert and ntsserverkey name as many files. The
 * server keys: loaded from ntsdumpdir/ntskeys if it is there and valid,
 * else made and saved there; rotated every ntsrotate seconds counted from
 * the saved age (each rotation saved, atomically, mode 0600). With
 * ntsrotate 0 the keys are neither rotated nor saved, only loaded: an
 * outside process may manage them (chronyd's rule). As chronyd, the keys
 * are also saved at exit and by the dump command, and `rekey` reloads them
 * from the file when ntsrotate is 0. */
#ifndef STRATUM_DAEMON_NTSD_H
#define STRATUM_DAEMON_NTSD_H

#include <stdbool.h>

#include "conf/config.h"
#include "core/ntp_server.h"
#include "core/nts_server.h"
#include "daemon/ntshelpers.h"
#include "sys/loop.h"
#include "sys/tlsd.h"

#define NTSD_CONNECTION_TIMEOUT 2.0     /* chronyd's SERVER_TIMEOUT */

struct ntsd {
  bool started;
  struct loop *loop;
  const struct config *cfg;
  const struct ntp_server *srv;         /* whose allow/deny admit clients */
  struct ntss ntss;
  struct tlsd tlsd;
  struct ntsh helpers;                  /* ntsprocesses > 0 */
  uint64_t rotate_timer;
  double last_rotation;                 /* CLOCK_MONOTONIC seconds */
  uint64_t limited;                     /* connections dropped by ntsratelimit */
};

/* Nothing without ntsservercert; else load the certificates and keys
 * (before privileges are dropped), start the ntsprocesses helpers (as
 * user, with system call filter seccomp_level), listen, and let srv
 * answer NTS requests. family: the -4/-6 option or 0. false (logged) if
 * the certificates cannot be loaded, the helpers cannot be started or no
 * socket can be opened. */
bool ntsd_start(struct ntsd *n, const struct config *cfg, int family, struct loop *loop,
                const struct platform *plat, struct ntp_server *srv, const char *user,
                int seccomp_level);
/* Save the keys now (dump). */
void ntsd_save_keys(struct ntsd *n);
/* Load the keys from ntsdumpdir again if ntsrotate is 0 (rekey). */
void ntsd_reload_keys(struct ntsd *n);
/* Save the keys, close everything. */
void ntsd_stop(struct ntsd *n);
/* Log the NTS counters (at exit). */
void ntsd_log_stats(const struct ntsd *n);

#endif
