#include "sys/dns.h"

#include <ares.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_WATCHED 16          /* c-ares sockets at once: one per server and family */
#define MIN_TIMER_DELAY 0.01    /* s */

struct request {
  struct dns *dns;
  int64_t id;
  plat_resolve_fn fn;           /* NULL: cancelled */
  void *arg;
  int family, max;
  bool done;                    /* c-ares has answered; waiting to be delivered */
  int status;                   /* c-ares status */
  struct ip_addr addrs[PLAT_RESOLVE_MAX];
  int n;
  struct request *next;
};

struct dns {
  struct loop *loop;
  ares_channel channel;
  bool have_channel;
  int watched[MAX_WATCHED];
  unsigned n_watched;
  uint64_t ares_timer;          /* c-ares' next timeout */
  uint64_t flush_timer;         /* delivers answers c-ares gave synchronously */
  struct request *requests;     /* not yet delivered, newest first */
  unsigned pending;             /* requests c-ares still works on */
  int64_t last_id;
};

int dns_collect(const struct ares_addrinfo_node *nodes, int family, struct ip_addr *out, int max)
{
  int n = 0;
  for (const struct ares_addrinfo_node *a = nodes; a && n < max; a = a->ai_next) {
    struct ip_addr ip;
    memset(&ip, 0, sizeof(ip));
    if (a->ai_family == AF_INET && a->ai_addrlen >= sizeof(struct sockaddr_in)) {
      ip.family = ADDR_INET4;
      memcpy(ip.bytes, &((const struct sockaddr_in *)(const void *)a->ai_addr)->sin_addr, 4);
    } else if (a->ai_family == AF_INET6 && a->ai_addrlen >= sizeof(struct sockaddr_in6)) {
      ip.family = ADDR_INET6;
      memcpy(ip.bytes, &((const struct sockaddr_in6 *)(const void *)a->ai_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    if (family != ADDR_UNSPEC && ip.family != family)
      continue;
    bool seen = false;
    for (int i = 0; i < n && !seen; i++)
      seen = addr_equal(&out[i], &ip);
    if (!seen)
      out[n++] = ip;
  }
  return n;
}

/* --- sockets and timers --- */

static void process(struct dns *d, ares_socket_t fd);

static void on_readable(void *arg, int fd)
{
  process(arg, fd);
}

static void on_ares_timer(void *arg)
{
  struct dns *d = arg;
  d->ares_timer = 0;
  process(d, ARES_SOCKET_BAD);
}

static void on_sock_state(void *arg, ares_socket_t fd, int readable, int writable)
{
  struct dns *d = arg;
  (void)writable;               /* UDP only (ARES_FLAG_IGNTC): nothing to write */
  for (unsigned i = 0; i < d->n_watched; i++) {
    if (d->watched[i] != fd)
      continue;
    if (!readable) {
      loop_remove_fd(d->loop, fd);
      d->watched[i] = d->watched[--d->n_watched];
    }
    return;
  }
  /* A socket that cannot be watched makes its query time out. */
  if (readable && d->n_watched < MAX_WATCHED && loop_add_fd(d->loop, fd, on_readable, d) == 0)
    d->watched[d->n_watched++] = fd;
}

static void arm_ares_timer(struct dns *d)
{
  struct timeval tv;
  if (d->ares_timer)
    loop_cancel_timer(d->loop, d->ares_timer);
  d->ares_timer = 0;
  if (d->pending == 0 || !ares_timeout(d->channel, NULL, &tv))
    return;
  double delay = (double)tv.tv_sec + tv.tv_usec * 1e-6;
  d->ares_timer = loop_add_timer(d->loop, delay > MIN_TIMER_DELAY ? delay : MIN_TIMER_DELAY,
                                 on_ares_timer, d);
}

/* --- channel --- */

static void close_channel(struct dns *d)
{
  if (d->have_channel)
    ares_destroy(d->channel);
  d->have_channel = false;
}

/* A fresh channel reads the system's configuration again. */
static int open_channel(struct dns *d)
{
  struct ares_options opts;
  memset(&opts, 0, sizeof(opts));
  opts.flags = ARES_FLAG_IGNTC | ARES_FLAG_EDNS;
  opts.ednspsz = 1232;          /* fits any path's MTU */
  opts.sock_state_cb = on_sock_state;
  opts.sock_state_cb_data = d;
  int r = ares_init_options(&d->channel, &opts,
                            ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ | ARES_OPT_SOCK_STATE_CB);
  if (r != ARES_SUCCESS)
    return r == ARES_ENOMEM ? -ENOMEM : -EIO;
  d->have_channel = true;
  return 0;
}

/* --- answers --- */

static void on_answer(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
  struct request *r = arg;
  (void)timeouts;
  r->dns->pending--;
  r->n = status == ARES_SUCCESS && res ? dns_collect(res->nodes, r->family, r->addrs, r->max) : 0;
  r->status = status == ARES_SUCCESS && r->n == 0 ? ARES_ENODATA : status;
  r->done = true;
  if (res)
    ares_freeaddrinfo(res);
}

static void unlink_request(struct dns *d, struct request *r)
{
  for (struct request **p = &d->requests; *p; p = &(*p)->next) {
    if (*p == r) {
      *p = r->next;
      return;
    }
  }
}

/* Deliver the answers, outside c-ares (a callback may start a lookup, which
 * may replace the channel). */
static void flush(struct dns *d)
{
  for (;;) {
    struct request *r = d->requests;
    while (r && !r->done)
      r = r->next;
    if (!r)
      return;
    unlink_request(d, r);
    if (r->fn)
      r->fn(r->arg, r->addrs, r->n, r->n > 0 ? NULL : ares_strerror(r->status));
    free(r);
  }
}

static void on_flush_timer(void *arg)
{
  struct dns *d = arg;
  d->flush_timer = 0;
  flush(d);
}

static void process(struct dns *d, ares_socket_t fd)
{
  ares_process_fd(d->channel, fd, ARES_SOCKET_BAD);
  flush(d);
  arm_ares_timer(d);
}

/* --- public --- */

struct dns *dns_new(struct loop *loop)
{
  if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
    return NULL;
  struct dns *d = calloc(1, sizeof(*d));
  if (d)
    d->loop = loop;
  if (!d || open_channel(d) != 0) {
    free(d);
    ares_library_cleanup();
    return NULL;
  }
  return d;
}

void dns_free(struct dns *d)
{
  if (!d)
    return;
  close_channel(d);             /* c-ares answers ARES_EDESTRUCTION: nothing delivered */
  while (d->requests) {
    struct request *r = d->requests;
    d->requests = r->next;
    free(r);
  }
  if (d->ares_timer)
    loop_cancel_timer(d->loop, d->ares_timer);
  if (d->flush_timer)
    loop_cancel_timer(d->loop, d->flush_timer);
  free(d);
  ares_library_cleanup();
}

int64_t dns_resolve(struct dns *d, const char *name, int family, int max, plat_resolve_fn fn,
                    void *arg)
{
  if (max < 1 || max > PLAT_RESOLVE_MAX)
    return -EINVAL;
  if (d->pending == 0) {
    close_channel(d);
    int err = open_channel(d);
    if (err)
      return err;
  }
  struct request *r = calloc(1, sizeof(*r));
  if (!r)
    return -ENOMEM;
  int64_t id = ++d->last_id;
  *r = (struct request){.dns = d, .id = id, .fn = fn, .arg = arg, .family = family, .max = max,
                        .next = d->requests};
  d->requests = r;
  struct ares_addrinfo_hints hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = family == ADDR_INET4 ? AF_INET : family == ADDR_INET6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = ARES_AI_NOSORT;
  d->pending++;
  ares_getaddrinfo(d->channel, name, NULL, &hints, on_answer, r);
  /* The hosts file and literal addresses answer at once: deliver later. */
  if (r->done && !d->flush_timer &&
      !(d->flush_timer = loop_add_timer(d->loop, 0.0, on_flush_timer, d))) {
    unlink_request(d, r);
    free(r);
    return -ENOMEM;
  }
  arm_ares_timer(d);
  return id;
}

/* c-ares may still answer: the request stays until then, silent. */
void dns_cancel(struct dns *d, int64_t lookup)
{
  for (struct request *r = d->requests; r; r = r->next) {
    if (r->id == lookup) {
      r->fn = NULL;
      return;
    }
  }
}
