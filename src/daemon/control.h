/* control: the command sockets of chrony's protocol (core/cmdsrv.h): UDP on
 * cmdport at bindcmdaddress (default 127.0.0.1 and ::1, port 323) for
 * cmdallow'ed hosts, and a Unix datagram socket (bindcmdaddress /PATH,
 * default /run/stratumd/stratumd.sock) for local users, where every
 * command is allowed. As chronyd, the socket's directory (created and
 * checked by layout.h: 0770, the daemon user's) is what guards the
 * commands; datagrams from unbound sockets are refused. */
#ifndef STRATUM_DAEMON_CONTROL_H
#define STRATUM_DAEMON_CONTROL_H

#include <stdbool.h>

#include "conf/config.h"
#include "core/cmdsrv.h"
#include "sys/loop.h"

struct control {
  struct cmdsrv srv;
  const struct platform *plat;
  struct loop *loop;
  int udp[2];                    /* IPv4, IPv6 socket ids; -1: none */
  int unix_fd;                   /* -1: none */
  char *unix_path;               /* to remove at exit */
  double last_unbound_log;       /* log_rate_ok() of refused senders */
};

/* family: the -4/-6 option or 0. Logs each socket it cannot open; false
 * only if command sockets were wanted and none could be opened (as
 * chronyd, which then exits). srv.client and srv.ops are the caller's to
 * set, before or after. */
bool control_start(struct control *c, const struct config *cfg, int family, struct loop *loop,
                   const struct platform *plat, struct refstate *ref, struct ntp_server *ntp);
void control_stop(struct control *c);

#endif
