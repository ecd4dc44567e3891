#include "daemon/initstep.h"

#include <stdio.h>

#include "sys/log.h"
#include "sys/resolve.h"

#define END_DELAY 2.0                 /* s, chronyd's */

static void on_end_timer(void *arg)
{
  struct initstep *s = arg;
  s->timer = 0;
  for (unsigned i = 0; i < s->n; i++) {
    int k = client_find_source(s->client, &s->addrs[i]);
    if (k >= 0)
      client_remove_source(s->client, (unsigned)k);
  }
  s->start_sources(s->arg);
}

/* From inside the client: the sources go later. */
static void on_done(void *arg, bool corrected)
{
  struct initstep *s = arg;
  (void)corrected;
  s->timer = loop_add_timer(s->loop, END_DELAY, on_end_timer, s);
}

bool initstep_start(struct initstep *s, const struct config *cfg, int family,
                    struct client *client, struct loop *loop, void (*start_sources)(void *arg),
                    void *arg)
{
  *s = (struct initstep){.client = client, .loop = loop, .start_sources = start_sources,
                         .arg = arg};
  if (!cfg->initstepslew)
    return false;
  for (unsigned i = 0; i < cfg->initstepslew_hosts.n && s->n < INITSTEP_MAX_HOSTS; i++) {
    const char *host = cfg->initstepslew_hosts.v[i];
    struct client_source_params p;
    client_source_defaults(&p);
    p.iburst = true;
    snprintf(p.name, sizeof(p.name), "%s", host);
    if (resolve_name(host, family, &p.addr, 1) != 1) {
      log_printf(PLAT_LOG_WARN, "Could not resolve address of initstepslew server %s", host);
      continue;
    }
    if (client_add_source(client, &p) < 0) {
      log_printf(PLAT_LOG_ERR, "Could not add source %s", host);
      continue;
    }
    s->addrs[s->n++] = p.addr;
  }
  if (s->n == 0)
    return false;
  client_set_initstepslew(client, cfg->initstepslew_threshold, on_done, s);
  return true;
}

void initstep_stop(struct initstep *s)
{
  if (s->timer)
    loop_cancel_timer(s->loop, s->timer);
  s->timer = 0;
}
