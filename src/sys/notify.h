/* notify: the service manager's readiness protocol (sd_notify(3)) without
 * libsystemd. When $NOTIFY_SOCKET names a Unix datagram socket (a path, or
 * an abstract name written with a leading '@'), each message is one
 * datagram of "KEY=VALUE" lines sent to it; without the variable nothing is
 * sent. The variable is read once, by notify_open(). */
#ifndef STRATUM_SYS_NOTIFY_H
#define STRATUM_SYS_NOTIFY_H

#include <stdbool.h>

/* Read $NOTIFY_SOCKET and open a socket for it (close-on-exec). Returns
 * false if the variable is set but unusable (with errno); true otherwise,
 * including when it is unset. The first notify_send() or notify_status()
 * calls it if nobody did. */
bool notify_open(void);

/* Send `message` (e.g. "READY=1" or "STATUS=...") if a socket is open.
 * Returns true if sent or nothing to send to. */
bool notify_send(const char *message);

/* STATUS=text, only if text differs from the last status sent. */
void notify_status(const char *text);

void notify_close(void);

#endif
