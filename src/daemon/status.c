#include "daemon/status.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/addr.h"
#include "core/client.h"
#include "proto/ntp_packet.h"
#include "sys/notify.h"

#define STATUS_INTERVAL 5.0  /* s */

static struct {
  struct loop *loop;
  const struct platform *p;
  const struct refstate *ref;
  const struct client *client;
} st;

static void describe(char *buf, size_t size)
{
  struct ref_params rp;
  struct ip_addr selected = {0};
  struct timespec now;
  char a[ADDR_STR_LEN];
  st.p->ops->now(st.p->ctx, &now);
  ref_get_params(st.ref, &now, &rp);
  if (st.client)
    client_selected_address(st.client, &selected);
  if (rp.leap == NTP_LEAP_UNSYNC)
    snprintf(buf, size, "Not synchronised");
  else if (selected.family != ADDR_UNSPEC)
    snprintf(buf, size, "Synchronised to %s (stratum %d)", addr_format(&selected, a), rp.stratum);
  else
    snprintf(buf, size, "Serving local time (stratum %d)", rp.stratum);
}

static void on_timer(void *arg)
{
  char text[128];
  (void)arg;
  describe(text, sizeof(text));
  notify_status(text);
  loop_add_timer(st.loop, STATUS_INTERVAL, on_timer, NULL);
}

void status_start(struct loop *loop, const struct platform *p, const struct refstate *ref,
                  const struct client *client)
{
  const char *env = getenv("NOTIFY_SOCKET");
  if (!env || !*env)
    return;
  st.loop = loop;
  st.p = p;
  st.ref = ref;
  st.client = client;
  on_timer(NULL);
}
