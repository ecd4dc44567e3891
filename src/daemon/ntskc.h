/* ntskc: stratumd's NTS-KE client, the struct ntsc_ke_ops NTS sources use
 * (core/nts_client.h), as chronyd's: each session a TLS 1.3 connection in
 * the event loop (sys/tlsc.h, ALPN "ntske/1", NTSKC_TIMEOUT seconds) from
 * bindacqaddress to the source's ntsport, the server's certificate checked against the source's
 * name and the trusted certificates of its certset: the system's (set 0
 * only, unless nosystemcert) and ntstrustedcerts' files and directories of
 * that set; while the clock is not synchronised, the first nocerttimecheck
 * sessions skip the certificates' time checks. The request: NTPv4 and
 * ntsaeads (record 1024 with AES-128-GCM-SIV), built by proto/nts_ke.h;
 * the keys exported as chrony does; an NTP server the response names by
 * host name is resolved (its first address of the NTS-KE server's family)
 * before the source takes the keys. Each source's cookies are loaded from
 * ntsdumpdir/ADDRESS.nts when it is added (the file then removed, as
 * chronyd) and saved there, atomically and mode 0600, when it is removed,
 * at exit and by the dump command. */
#ifndef STRATUM_DAEMON_NTSKC_H
#define STRATUM_DAEMON_NTSKC_H

#include <stdbool.h>

#include "conf/config.h"
#include "core/client.h"
#include "core/nts_client.h"
#include "core/reference.h"
#include "sys/loop.h"

#define NTSKC_TIMEOUT 16.0              /* chronyd's CLIENT_TIMEOUT */

struct ntskc_session;
struct ntskc_creds;

struct ntskc {
  struct loop *loop;
  const struct platform *plat;          /* its resolver */
  const struct config *cfg;
  const struct refstate *ref;           /* synchronised or not */
  struct ntsc_ke_ops ops;
  struct ntskc_session *sessions;       /* running */
  struct ntskc_creds *creds;            /* per certificate set, made when first used */
  int time_checks_skipped;
};

/* The ops are in n->ops (for client_params.nts_ke) from now on. */
void ntskc_init(struct ntskc *n, const struct config *cfg, struct loop *loop,
                const struct platform *plat, const struct refstate *ref);
/* Load the OpenSSL module (sys/ossl_load.h) now, before privileges are
 * dropped, if a configured source uses NTS: false after a fatal error
 * naming the source if it cannot be. (A source added later loads it at its
 * first key exchange.) */
bool ntskc_preload(const struct config *cfg);
/* Save every NTS source's cookies (dump). */
void ntskc_save_all(struct ntskc *n, const struct client *c);
/* After the sources are gone: end what is left. */
void ntskc_free(struct ntskc *n);

#endif
