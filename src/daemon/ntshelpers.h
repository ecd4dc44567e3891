/* ntshelpers: NTS-KE helper processes (`ntsprocesses N`), as chronyd's.
 *
 * The TLS handshakes cost far more than anything else the daemon does, so
 * with N > 0 they leave the main loop: ntsh_start forks N helpers while
 * the daemon is still root, before the NTS-KE sockets are opened. Each
 * helper closes every descriptor it inherited but the log's and its end
 * of a SOCK_SEQPACKET socket pair that all helpers share, loads the
 * certificates, drops privileges as the main process does (`user`, no
 * clock capability) and installs the same system call filter (-F), says
 * on the pair whether it got that far (ntsh_start waits for every helper's
 * word, so a certificate that does not load stops the start as it does
 * without helpers), then runs its own loop with a sys/tlsd.h server of
 * maxntsconnections connections. The main process loads no certificate
 * and has no TLS context (as chronyd's: they cost megabytes).
 *
 * The main process keeps the listening sockets and decides who may
 * connect (allow/deny, ntsratelimit); it passes each admitted connection
 * (SCM_RIGHTS) with the current server key in one message, which
 * whichever helper reads it first serves: the cookies a helper makes are
 * always under the key the main process holds now, so rotations and
 * reloads need no message of their own (chronyd's design). When the main
 * process closes its end (exit), the helpers log their counts and exit
 * (sys/children.h reaps them, an end before that logged);
 * a full pair (helpers busy) or no helper left refuses the connection. */
#ifndef STRATUM_DAEMON_NTSHELPERS_H
#define STRATUM_DAEMON_NTSHELPERS_H

#include <stdbool.h>

#include "conf/config.h"
#include "core/nts_server.h"
#include "sys/tlsd.h"

/* What the helpers are made of. */
struct ntsh_env {
  const struct config *cfg;     /* ntsservercert/ntsserverkey, maxntsconnections */
  const struct ntss *ntss;      /* the settings of the responses (its keys are not used) */
  tlsd_handle_fn *handle;       /* answers a request; its arg: the helper's struct ntss */
  double timeout;               /* of a connection */
  const char *user;             /* privileges dropped to */
  int seccomp_level;            /* -F */
};

struct ntsh {
  int sock;                     /* the main process's end; -1: no helpers */
  double last_error;            /* when "helpers failed" was logged (log_rate_ok) */
};

/* Fork n helpers (n > 0) and wait until each is ready. false (logged) if
 * the pair or a process cannot be made or a helper fails to start;
 * helpers already started then exit. Returns only in the main
 * process. */
bool ntsh_start(struct ntsh *h, unsigned n, const struct ntsh_env *env);
/* Give connection fd (the caller closes its copy) to a helper with the
 * key its cookies are to be made with. false if no helper can take it. */
bool ntsh_pass(struct ntsh *h, int fd, const struct ntsntp_server_key *key);
/* Close the main process's end: the helpers exit. */
void ntsh_stop(struct ntsh *h);

#endif
