/* status: the service manager is told what the daemon is doing
 * (sd_notify's STATUS=, through sys/notify): "Synchronised to ADDR
 * (stratum N)", "Serving local time (stratum N)" or "Not synchronised",
 * checked every few seconds and sent when it changes. Nothing is armed
 * when no service manager listens ($NOTIFY_SOCKET unset). */
#ifndef STRATUM_DAEMON_STATUS_H
#define STRATUM_DAEMON_STATUS_H

#include "core/platform.h"
#include "core/reference.h"
#include "sys/loop.h"

struct client;

/* Send the status now, then again on every change. The arguments must
 * outlive the loop's run; client may be NULL. */
void status_start(struct loop *loop, const struct platform *p, const struct refstate *ref,
                  const struct client *client);

#endif
