/* exporter: metricsport, the daemon's Prometheus endpoint. GET /metrics on
 * metricsport at bindmetricsaddress (default 127.0.0.1 and ::1, one
 * socket per family, as the UDP command sockets) is answered with
 * proto/metrics.h's text, rendered for each request from the reports of
 * the command protocol: they are asked of the daemon's own command server
 * in process, encoded and decoded as over a socket, through a copy of it
 * that answers every monitoring report (only those) and counts nothing,
 * so a scrape changes no state and no serverstats counter. The server's
 * drops by reason are added from its counters (and the workers').
 * The HTTP side is sys/httpd.h's (limits there). */
#ifndef STRATUM_DAEMON_EXPORTER_H
#define STRATUM_DAEMON_EXPORTER_H

#include <stdbool.h>

#include "conf/config.h"
#include "core/cmdsrv.h"
#include "sys/httpd.h"
#include "sys/loop.h"

struct exporter {
  bool started;
  struct httpd httpd;
  const struct cmdsrv *cmd;
};

/* Nothing without metricsport; else listen (before privileges are
 * dropped). family: the -4/-6 option or 0. Logs each socket it cannot
 * open; false if none could be opened, or out of memory. */
bool exporter_start(struct exporter *e, const struct config *cfg, int family, struct loop *loop,
                    const struct cmdsrv *cmd);
void exporter_stop(struct exporter *e);

#endif
