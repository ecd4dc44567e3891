#include "core/broadcast.h"
#include "proto/num.h"

#include <math.h>
#include <string.h>

#define MAX_INTERVAL (1 << 24)        /* chronyd's 2^MAX_POLL */

void bcast_init(struct bcast *b, const struct platform *plat, const struct refstate *ref)
{
  memset(b, 0, sizeof(*b));
  b->plat = plat;
  b->ref = ref;
}

void bcast_packet(const struct bcast_dest *d, const struct timespec *now,
                  uint8_t buf[NTP_HEADER_LEN])
{
  struct ntp_header h;
  memset(&h, 0, sizeof(h));
  ref_fill_header(d->owner->ref, now, &h);
  h.version = BCAST_VERSION;
  h.mode = NTP_MODE_BROADCAST;
  h.poll = (int8_t)num_lround(num_log2(d->interval));
  ntp_header_encode(&h, buf);
}

static void on_timer(void *arg)
{
  struct bcast_dest *d = arg;
  const struct platform *p = d->owner->plat;
  uint8_t buf[NTP_HEADER_LEN];
  struct timespec now;
  p->ops->now(p->ctx, &now);
  bcast_packet(d, &now, buf);
  /* A failure (no route yet...) is tried again at the next interval. */
  (void)p->ops->udp_send(p->ctx, d->sock, NULL, &d->addr, d->port, buf, sizeof(buf),
                         PLAT_SEND_STAMP_TRANSMIT);
  d->timer = p->ops->timer_add(p->ctx, d->interval, on_timer, d);
}

bool bcast_add(struct bcast *b, const struct ip_addr *addr, uint16_t port, int interval,
               int sock)
{
  if (b->n == BCAST_MAX)
    return false;
  struct bcast_dest *d = &b->dests[b->n++];
  *d = (struct bcast_dest){.owner = b, .addr = *addr, .port = port, .sock = sock,
                           .interval = interval < 1 ? 1 : interval > MAX_INTERVAL ? MAX_INTERVAL
                                                                                  : interval};
  d->timer = b->plat->ops->timer_add(b->plat->ctx, d->interval, on_timer, d);
  return true;
}

void bcast_stop(struct bcast *b)
{
  for (unsigned i = 0; i < b->n; i++) {
    if (b->dests[i].timer)
      b->plat->ops->timer_cancel(b->plat->ctx, b->dests[i].timer);
    b->dests[i].timer = 0;
  }
}
