/* A recording platform for unit tests: a settable clock, captured sends,
 * and deterministic "random" bytes. Header-only (static inline) so each
 * test file stays one compilation unit. */
#ifndef STRATUM_TESTS_FAKE_PLATFORM_H
#define STRATUM_TESTS_FAKE_PLATFORM_H

#include <string.h>

#include "core/platform.h"

#define FAKE_MAX_SENDS 16

struct fake_send {
  int sock;
  struct ip_addr to;
  uint16_t port;
  uint8_t buf[1200];            /* an NTS request fits (48 + 1024 + a MAC) */
  size_t len;
  unsigned flags;
};

struct fake_platform {
  struct platform plat;
  struct timespec now;
  struct fake_send sends[FAKE_MAX_SENDS];
  unsigned n_sends;
  int send_result;
  uint8_t next_random;
  plat_recv_fn recv_fn;          /* of the last socket opened */
  void *recv_arg;
  plat_timer_fn timer_fn;        /* of the last timer armed */
  void *timer_arg;
  double timer_delay;
  unsigned n_open, n_closed;
};

static inline void fake_now(void *ctx, struct timespec *out)
{
  *out = ((struct fake_platform *)ctx)->now;
}

static inline plat_timer fake_timer_add(void *ctx, double d, plat_timer_fn fn, void *arg)
{
  struct fake_platform *fp = ctx;
  fp->timer_fn = fn;
  fp->timer_arg = arg;
  fp->timer_delay = d;
  return 1;
}

static inline void fake_timer_cancel(void *ctx, plat_timer t)
{
  (void)t;
  ((struct fake_platform *)ctx)->timer_fn = NULL;
}

static inline int fake_udp_open(void *ctx, enum addr_family f, const struct ip_addr *l,
                                uint16_t port, plat_recv_fn fn, void *arg)
{
  struct fake_platform *fp = ctx;
  (void)f; (void)l; (void)port;
  fp->recv_fn = fn;
  fp->recv_arg = arg;
  return 3 + (int)fp->n_open++;
}

static inline void fake_udp_close(void *ctx, int sock)
{
  (void)sock;
  ((struct fake_platform *)ctx)->n_closed++;
}

static inline int fake_udp_send(void *ctx, int sock, const struct ip_addr *local,
                                const struct ip_addr *to, uint16_t port, uint8_t *buf,
                                size_t len, unsigned flags)
{
  struct fake_platform *fp = ctx;
  (void)local;
  if (fp->send_result < 0)
    return fp->send_result;
  if (fp->n_sends < FAKE_MAX_SENDS && len <= sizeof(fp->sends[0].buf)) {
    struct fake_send *s = &fp->sends[fp->n_sends++];
    s->sock = sock;
    s->to = *to;
    s->port = port;
    memcpy(s->buf, buf, len);
    s->len = len;
    s->flags = flags;
  }
  return 0;
}

static inline void fake_random_bytes(void *ctx, void *buf, size_t len)
{
  struct fake_platform *fp = ctx;
  uint8_t *p = buf;
  for (size_t i = 0; i < len; i++)
    p[i] = ++fp->next_random;
}

static inline void fake_log(void *ctx, int level, const char *msg)
{
  (void)ctx; (void)level; (void)msg;
}

static const struct platform_ops fake_ops = {
  .now = fake_now,
  .timer_add = fake_timer_add,
  .timer_cancel = fake_timer_cancel,
  .udp_open = fake_udp_open,
  .udp_close = fake_udp_close,
  .udp_send = fake_udp_send,
  .random_bytes = fake_random_bytes,
  .log = fake_log,
};

static inline void fake_platform_init(struct fake_platform *fp)
{
  memset(fp, 0, sizeof(*fp));
  fp->plat.ops = &fake_ops;
  fp->plat.ctx = fp;
  fp->now.tv_sec = 1700000000;
}

#endif
