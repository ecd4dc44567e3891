/* initslew: chronyd's initstepslew at start, on a platform. The
 * directive's hosts (resolved by the caller) become temporary sources with
 * iburst, and the client corrects the clock once from them
 * (client_set_initstepslew). 2 s after it is done (chronyd's delay, so that
 * a configured server also used here is not polled faster than its burst;
 * their updates are ignored meanwhile) they are removed, the client's
 * normal mode starts and start_sources is called: the caller adds its
 * configured sources then. */
#ifndef STRATUM_CORE_INITSLEW_H
#define STRATUM_CORE_INITSLEW_H

#include <stdbool.h>

#include "core/addr.h"
#include "core/client.h"
#include "core/platform.h"

#define INITSLEW_MAX_HOSTS 16
#define INITSLEW_END_DELAY 2.0         /* s, chronyd's */

struct initslew_host {
  const char *name;                /* as configured */
  struct ip_addr addr;
};

struct initslew {
  const struct platform *plat;
  struct client *client;
  struct ip_addr addrs[INITSLEW_MAX_HOSTS];
  unsigned n;
  plat_timer timer;                /* the 2 s wait; 0: none */
  void (*start_sources)(void *arg);
  void *arg;
};

/* Before client_start. True: the mode is on and start_sources will be
 * called; false (no host, or no source could be added: logged): the caller
 * adds its sources now. At most INITSLEW_MAX_HOSTS hosts are used. */
bool initslew_start(struct initslew *s, const struct platform *plat, struct client *client,
                    const struct initslew_host *hosts, unsigned n, double threshold,
                    void (*start_sources)(void *arg), void *arg);
/* Cancel the wait (at exit). */
void initslew_stop(struct initslew *s);

#endif
