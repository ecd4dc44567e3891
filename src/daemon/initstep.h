/* initstep: chronyd's initstepslew at start. The directive's hosts
 * (resolved now, blocking, as chronyd resolves them when it reads the
 * line; a name that does not resolve is warned about and skipped) become
 * temporary sources with iburst, and the client corrects the clock once
 * from them (client_set_initstepslew). 2 s after it is done (chronyd's
 * delay, so that a configured server also used here is not polled faster
 * than its burst) they are removed and start_sources is called: the
 * caller adds its configured sources then. (-R clears the directive.) */
#ifndef STRATUM_DAEMON_INITSTEP_H
#define STRATUM_DAEMON_INITSTEP_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/config.h"
#include "core/client.h"
#include "sys/loop.h"

#define INITSTEP_MAX_HOSTS 16

struct initstep {
  struct client *client;
  struct loop *loop;
  struct ip_addr addrs[INITSTEP_MAX_HOSTS];
  unsigned n;
  uint64_t timer;                 /* the 2 s wait; 0: none */
  void (*start_sources)(void *arg);
  void *arg;
};

/* Before client_start. True: the mode is on and start_sources will be
 * called; false (no initstepslew, no host resolved, or no source could be
 * added): the caller adds its sources now. */
bool initstep_start(struct initstep *s, const struct config *cfg, int family,
                    struct client *client, struct loop *loop, void (*start_sources)(void *arg),
                    void *arg);
/* Cancel the wait (at exit). */
void initstep_stop(struct initstep *s);

#endif
