/* drift: the driftfile directive — the clock's frequency correction read at
 * start and written atomically at least hourly and at exit, in chrony's
 * format so an existing /var/lib/chrony/drift keeps working. */
#ifndef STRATUM_DAEMON_DRIFT_H
#define STRATUM_DAEMON_DRIFT_H

#include <stdbool.h>

#include "core/client.h"
#include "sys/loop.h"

struct drift {
  const char *path;            /* NULL: no drift file */
  double interval;             /* seconds between writes */
  struct client *client;
  struct loop *loop;
  uint64_t timer;
  double last_error;           /* of the last write error logged; < 0: none */
};

/* Read the file into p's initial frequency and skew; false if there is no
 * usable file (a corrupt one is reported). */
bool drift_load(const char *path, struct client_params *p);
/* Write every `interval` seconds once the client has synchronised. */
void drift_start(struct drift *d, const char *path, double interval, struct client *client,
                 struct loop *loop);
/* Write now (at exit) and stop the timer. */
void drift_stop(struct drift *d);

#endif
