#include "core/initslew.h"

#include <stdio.h>

static void on_end_timer(void *arg)
{
  struct initslew *s = arg;
  s->timer = 0;
  for (unsigned i = 0; i < s->n; i++) {
    int k = client_find_source(s->client, &s->addrs[i]);
    if (k >= 0)
      client_remove_source(s->client, (unsigned)k);
  }
  client_end_initstepslew(s->client);
  s->start_sources(s->arg);
}

/* From inside the client: the sources go later. */
static void on_done(void *arg, bool corrected)
{
  struct initslew *s = arg;
  (void)corrected;
  s->timer = s->plat->ops->timer_add(s->plat->ctx, INITSLEW_END_DELAY, on_end_timer, s);
}

bool initslew_start(struct initslew *s, const struct platform *plat, struct client *client,
                    const struct initslew_host *hosts, unsigned n, double threshold,
                    void (*start_sources)(void *arg), void *arg)
{
  *s = (struct initslew){.plat = plat, .client = client, .start_sources = start_sources,
                         .arg = arg};
  for (unsigned i = 0; i < n && s->n < INITSLEW_MAX_HOSTS; i++) {
    struct client_source_params p;
    client_source_defaults(&p);
    p.iburst = true;
    p.addr = hosts[i].addr;
    snprintf(p.name, sizeof(p.name), "%s", hosts[i].name);
    if (client_add_source(client, &p) < 0) {
      plat_logf(plat, PLAT_LOG_ERR, "Could not add source %s", hosts[i].name);
      continue;
    }
    s->addrs[s->n++] = p.addr;
  }
  if (s->n == 0)
    return false;
  client_set_initstepslew(client, threshold, on_done, s);
  return true;
}

void initslew_stop(struct initslew *s)
{
  if (s->timer)
    s->plat->ops->timer_cancel(s->plat->ctx, s->timer);
  s->timer = 0;
}
