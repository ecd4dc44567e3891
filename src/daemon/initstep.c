#include "daemon/initstep.h"

#include "sys/log.h"
#include "sys/resolve.h"

unsigned initstep_resolve(const struct config *cfg, int family,
                          struct initslew_host hosts[INITSLEW_MAX_HOSTS])
{
  unsigned n = 0;
  if (!cfg->initstepslew)
    return 0;
  for (unsigned i = 0; i < cfg->initstepslew_hosts.n && n < INITSLEW_MAX_HOSTS; i++) {
    const char *host = cfg->initstepslew_hosts.v[i];
    if (resolve_name(host, family, &hosts[n].addr, 1) != 1) {
      log_printf(PLAT_LOG_WARN, "Could not resolve address of initstepslew server %s", host);
      continue;
    }
    hosts[n++].name = host;
  }
  return n;
}
