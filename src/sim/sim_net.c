#include "sim/sim_net.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_rng.h"

struct window {
  sim_time start, end;
};

struct link {
  int from, to;
  bool own_params;            /* else the network's defaults apply */
  struct sim_link_params params;
  struct sim_rng rng;
  uint64_t sent;              /* datagrams offered to it (pass_every, spikes) */
  struct window *outages;
  unsigned n_outages;
};

struct node {
  struct ip_addr addrs[SIM_NET_MAX_ADDRS];
  unsigned n_addrs;
  uint16_t next_port;         /* next ephemeral port to try */
};

struct sock {
  bool used;
  int node;
  uint8_t family;
  struct ip_addr addr;        /* ADDR_UNSPEC: wildcard */
  uint16_t port;
  sim_net_recv_fn fn;
  void *arg;
};

struct packet {
  struct sim_net *net;
  struct packet *prev, *next; /* the list of datagrams in flight */
  int node;                   /* destination */
  unsigned copies;            /* times it is handed over */
  struct sim_net_dgram dg;
  uint8_t data[];
};

struct sim_net {
  struct sim_sched *sched;
  uint64_t seed;
  struct sim_link_params defaults;
  struct node *nodes;
  unsigned n_nodes;
  struct link *links;
  unsigned n_links;
  struct sock *socks;
  unsigned n_socks;           /* slots in use or freed; ids are indices */
  struct packet *in_flight;
  struct sim_net_stats stats;
};

struct sim_net *sim_net_new(struct sim_sched *sched, uint64_t seed)
{
  struct sim_net *n = calloc(1, sizeof(*n));
  if (!n)
    return NULL;
  n->sched = sched;
  n->seed = seed;
  return n;
}

void sim_net_free(struct sim_net *n)
{
  if (!n)
    return;
  sim_sched_cancel_owner(n->sched, n);
  while (n->in_flight) {
    struct packet *p = n->in_flight;
    n->in_flight = p->next;
    free(p);
  }
  for (unsigned i = 0; i < n->n_links; i++)
    free(n->links[i].outages);
  free(n->links);
  free(n->nodes);
  free(n->socks);
  free(n);
}

/* --- nodes --- */

static bool node_owns(const struct node *node, const struct ip_addr *a)
{
  for (unsigned i = 0; i < node->n_addrs; i++)
    if (addr_equal(&node->addrs[i], a))
      return true;
  return false;
}

static int node_of_addr(const struct sim_net *n, const struct ip_addr *a)
{
  for (unsigned i = 0; i < n->n_nodes; i++)
    if (node_owns(&n->nodes[i], a))
      return (int)i;
  return -1;
}

static bool valid_family(unsigned family)
{
  return family == ADDR_INET4 || family == ADDR_INET6;
}

int sim_net_add_node(struct sim_net *n, const struct ip_addr *addrs, unsigned n_addrs)
{
  if (n_addrs > SIM_NET_MAX_ADDRS)
    return -EINVAL;
  if (n->n_nodes >= SIM_NET_MAX_NODES)
    return -ENOSPC;
  for (unsigned i = 0; i < n_addrs; i++) {
    if (!valid_family(addrs[i].family))
      return -EINVAL;
    if (node_of_addr(n, &addrs[i]) >= 0)
      return -EADDRINUSE;
  }
  struct node *nodes = realloc(n->nodes, (n->n_nodes + 1) * sizeof(*nodes));
  if (!nodes)
    return -ENOMEM;
  n->nodes = nodes;
  struct node *node = &nodes[n->n_nodes];
  memset(node, 0, sizeof(*node));
  memcpy(node->addrs, addrs, n_addrs * sizeof(*addrs));
  node->n_addrs = n_addrs;
  node->next_port = SIM_NET_EPHEMERAL_FIRST;
  return (int)n->n_nodes++;
}

static const struct ip_addr *node_first_addr(const struct node *node, unsigned family)
{
  for (unsigned i = 0; i < node->n_addrs; i++)
    if (node->addrs[i].family == family)
      return &node->addrs[i];
  return NULL;
}

/* --- links --- */

static bool valid_node(const struct sim_net *n, int node)
{
  return node >= 0 && (unsigned)node < n->n_nodes;
}

static bool valid_params(const struct sim_link_params *p)
{
  return p->delay >= 0.0 && p->jitter >= 0.0 && p->loss >= 0.0 && p->loss <= 1.0 &&
         p->delay < SIM_TIME_MAX_SECONDS && p->jitter < SIM_TIME_MAX_SECONDS &&
         p->spike_delay >= 0.0 && p->spike_delay < SIM_TIME_MAX_SECONDS &&
         p->spike_prob >= 0.0 && p->spike_prob <= 1.0 &&
         (p->jitter_kind == SIM_JITTER_EXP || p->jitter_kind == SIM_JITTER_NORMAL);
}

int sim_net_set_default(struct sim_net *n, const struct sim_link_params *p)
{
  if (!valid_params(p))
    return -EINVAL;
  n->defaults = *p;
  return 0;
}

/* The link from -> to, made with the default parameters on first use. Its
 * random stream depends only on the two node ids. */
static struct link *get_link(struct sim_net *n, int from, int to)
{
  for (unsigned i = 0; i < n->n_links; i++)
    if (n->links[i].from == from && n->links[i].to == to)
      return &n->links[i];
  struct link *links = realloc(n->links, (n->n_links + 1) * sizeof(*links));
  if (!links)
    return NULL;
  n->links = links;
  struct link *l = &links[n->n_links++];
  memset(l, 0, sizeof(*l));
  l->from = from;
  l->to = to;
  sim_rng_seed(&l->rng, sim_rng_derive(n->seed, (uint64_t)from << 32 | (uint32_t)to));
  return l;
}

int sim_net_set_link(struct sim_net *n, int from, int to, const struct sim_link_params *p)
{
  if (!valid_node(n, from) || !valid_node(n, to) || !valid_params(p))
    return -EINVAL;
  struct link *l = get_link(n, from, to);
  if (!l)
    return -ENOMEM;
  l->params = *p;
  l->own_params = true;
  return 0;
}

int sim_net_add_outage(struct sim_net *n, int from, int to, sim_time start, sim_time end)
{
  if (!valid_node(n, from) || !valid_node(n, to) || end < start)
    return -EINVAL;
  struct link *l = get_link(n, from, to);
  if (!l)
    return -ENOMEM;
  struct window *w = realloc(l->outages, (l->n_outages + 1) * sizeof(*w));
  if (!w)
    return -ENOMEM;
  l->outages = w;
  w[l->n_outages++] = (struct window){start, end};
  return 0;
}

static bool in_outage(const struct link *l, sim_time t)
{
  for (unsigned i = 0; i < l->n_outages; i++)
    if (t >= l->outages[i].start && t < l->outages[i].end)
      return true;
  return false;
}

/* The one-way delay of a datagram; both draws are always made, so a loss
 * does not shift the jitter of later datagrams. Returns false if lost. */
static bool draw_delay(struct link *l, const struct sim_link_params *p, double *delay)
{
  bool lost = sim_rng_uniform(&l->rng) < p->loss;
  l->sent++;
  if (p->pass_every > 1 && l->sent % p->pass_every != 0)
    lost = true;
  double extra = p->jitter_kind == SIM_JITTER_EXP ? sim_rng_exponential(&l->rng)
                                                 : sim_rng_normal(&l->rng);
  *delay = fmax(0.0, p->delay + p->jitter * extra);
  if (p->spike_prob > 0.0 && sim_rng_uniform(&l->rng) < p->spike_prob && l->sent >= p->spike_from)
    *delay += p->spike_delay;
  return !lost;
}

/* --- sockets --- */

static bool sock_conflicts(const struct sock *s, int node, unsigned family,
                           const struct ip_addr *addr, uint16_t port)
{
  return s->used && s->node == node && s->family == family && s->port == port &&
         (s->addr.family == ADDR_UNSPEC || addr->family == ADDR_UNSPEC ||
          addr_equal(&s->addr, addr));
}

static bool port_free(const struct sim_net *n, int node, unsigned family,
                      const struct ip_addr *addr, uint16_t port)
{
  for (unsigned i = 0; i < n->n_socks; i++)
    if (sock_conflicts(&n->socks[i], node, family, addr, port))
      return false;
  return true;
}

static uint16_t ephemeral_port(struct sim_net *n, int node, unsigned family,
                               const struct ip_addr *addr)
{
  struct node *nd = &n->nodes[node];
  unsigned range = SIM_NET_EPHEMERAL_LAST - SIM_NET_EPHEMERAL_FIRST + 1;
  for (unsigned i = 0; i < range; i++) {
    uint16_t port = nd->next_port;
    nd->next_port = port == SIM_NET_EPHEMERAL_LAST ? SIM_NET_EPHEMERAL_FIRST : port + 1;
    if (port_free(n, node, family, addr, port))
      return port;
  }
  return 0;
}

static int free_sock_slot(struct sim_net *n)
{
  for (unsigned i = 0; i < n->n_socks; i++)
    if (!n->socks[i].used)
      return (int)i;
  if (n->n_socks >= SIM_NET_MAX_SOCKETS)
    return -EMFILE;
  struct sock *socks = realloc(n->socks, (n->n_socks + 1) * sizeof(*socks));
  if (!socks)
    return -ENOMEM;
  n->socks = socks;
  socks[n->n_socks].used = false;
  return (int)n->n_socks++;
}

int sim_net_bind(struct sim_net *n, int node, enum addr_family family,
                 const struct ip_addr *local, uint16_t port, sim_net_recv_fn fn, void *arg)
{
  struct ip_addr addr = {0};
  if (!valid_node(n, node))
    return -EINVAL;
  if (local && local->family != ADDR_UNSPEC) {
    if (!node_owns(&n->nodes[node], local))
      return -EADDRNOTAVAIL;
    addr = *local;
    family = (enum addr_family)local->family;
  }
  if (!valid_family(family))
    return -EAFNOSUPPORT;
  if (port == 0)
    port = ephemeral_port(n, node, family, &addr);
  if (port == 0 || !port_free(n, node, family, &addr, port))
    return -EADDRINUSE;
  int id = free_sock_slot(n);
  if (id < 0)
    return id;
  n->socks[id] = (struct sock){true, node, (uint8_t)family, addr, port, fn, arg};
  return id;
}

void sim_net_unbind(struct sim_net *n, int sock)
{
  if (sock >= 0 && (unsigned)sock < n->n_socks)
    n->socks[sock].used = false;
}

/* The socket of `node` a datagram to addr:port goes to, or NULL. */
static const struct sock *find_receiver(const struct sim_net *n, int node,
                                        const struct ip_addr *addr, uint16_t port)
{
  const struct sock *wildcard = NULL;
  for (unsigned i = 0; i < n->n_socks; i++) {
    const struct sock *s = &n->socks[i];
    if (!s->used || s->node != node || s->port != port || s->family != addr->family)
      continue;
    if (addr_equal(&s->addr, addr))
      return s;
    if (s->addr.family == ADDR_UNSPEC)
      wildcard = s;
  }
  return wildcard;
}

/* --- datagrams --- */

static void deliver(void *arg)
{
  struct packet *p = arg;
  struct sim_net *n = p->net;
  if (p->prev)
    p->prev->next = p->next;
  else
    n->in_flight = p->next;
  if (p->next)
    p->next->prev = p->prev;
  for (unsigned i = 0; i < p->copies; i++) {
    const struct sock *s = find_receiver(n, p->node, &p->dg.to, p->dg.to_port);
    if (!s) {
      n->stats.unreachable++;
      break;
    }
    n->stats.delivered++;
    /* The arguments are read before the call, which may move the table. */
    s->fn(s->arg, (int)(s - n->socks), &p->dg);
  }
  free(p);
}

static int check_source(const struct sim_net *n, const struct sock *s,
                        const struct ip_addr *local, const struct ip_addr *to,
                        struct ip_addr *src)
{
  const struct node *node = &n->nodes[s->node];
  if (to->family != s->family)
    return -EAFNOSUPPORT;
  if (local && local->family != ADDR_UNSPEC) {
    if (!node_owns(node, local) || local->family != s->family ||
        (s->addr.family != ADDR_UNSPEC && !addr_equal(local, &s->addr)))
      return -EADDRNOTAVAIL;
    *src = *local;
    return 0;
  }
  if (s->addr.family != ADDR_UNSPEC) {
    *src = s->addr;
    return 0;
  }
  const struct ip_addr *first = node_first_addr(node, s->family);
  if (!first)
    return -ENETUNREACH;
  *src = *first;
  return 0;
}

/* Whether `a` is the broadcast address of a /24 holding node's address. */
static bool node_in_broadcast(const struct node *node, const struct ip_addr *a)
{
  if (a->family != ADDR_INET4 || a->bytes[3] != 255)
    return false;
  for (unsigned i = 0; i < node->n_addrs; i++)
    if (node->addrs[i].family == ADDR_INET4 && memcmp(node->addrs[i].bytes, a->bytes, 3) == 0)
      return true;
  return false;
}

/* One datagram on the link to node dst. */
static int send_to_node(struct sim_net *n, const struct sock *s, int dst,
                        const struct ip_addr *src, const struct ip_addr *to, uint16_t port,
                        const uint8_t *buf, size_t len)
{
  double delay;
  struct link *l = get_link(n, s->node, dst);
  if (!l)
    return -ENOMEM;
  sim_time now = sim_sched_now(n->sched);
  const struct sim_link_params *lp = l->own_params ? &l->params : &n->defaults;
  if (!draw_delay(l, lp, &delay)) {
    n->stats.lost++;
    return 0;
  }
  unsigned copies = lp->copies > 1 ? 1 + (unsigned)(sim_rng_uniform(&l->rng) * lp->copies) : 1;
  if (in_outage(l, now)) {
    n->stats.outage++;
    return 0;
  }
  struct packet *p = malloc(sizeof(*p) + len);
  if (!p)
    return -ENOMEM;
  memcpy(p->data, buf, len);
  p->net = n;
  p->node = dst;
  p->copies = copies;
  p->dg = (struct sim_net_dgram){p->data, len, *src, *to, s->port, port};
  if (sim_sched_add(n->sched, now + sim_ns(delay), deliver, p, n) == 0) {
    free(p);
    return -ENOMEM;
  }
  p->prev = NULL;
  p->next = n->in_flight;
  if (p->next)
    p->next->prev = p;
  n->in_flight = p;
  return 0;
}

int sim_net_send(struct sim_net *n, int sock, const struct ip_addr *local,
                 const struct ip_addr *to, uint16_t port, const uint8_t *buf, size_t len)
{
  struct ip_addr src;
  if (sock < 0 || (unsigned)sock >= n->n_socks || !n->socks[sock].used)
    return -EBADF;
  const struct sock *s = &n->socks[sock];
  int r = check_source(n, s, local, to, &src);
  if (r < 0)
    return r;
  if (len > SIM_NET_MAX_DATAGRAM)
    return -EMSGSIZE;
  if (n->stats.sent++ == 0 || port < n->stats.min_to_port)
    n->stats.min_to_port = port;
  if (port > n->stats.max_to_port)
    n->stats.max_to_port = port;
  int dst = node_of_addr(n, to);
  if (dst >= 0)
    return send_to_node(n, s, dst, &src, to, port, buf, len);
  bool any = false;
  for (unsigned i = 0; i < n->n_nodes && r == 0; i++)
    if ((int)i != s->node && node_in_broadcast(&n->nodes[i], to)) {
      any = true;
      r = send_to_node(n, s, (int)i, &src, to, port, buf, len);
    }
  if (!any)
    n->stats.unreachable++;
  return r;
}

const struct sim_net_stats *sim_net_stats(const struct sim_net *n)
{
  return &n->stats;
}

uint64_t sim_net_link_sent(const struct sim_net *n, int from, int to)
{
  for (unsigned i = 0; i < n->n_links; i++)
    if (n->links[i].from == from && n->links[i].to == to)
      return n->links[i].sent;
  return 0;
}
