/* sim_net: a simulated IP network of nodes exchanging UDP datagrams.
 *
 * Nodes own addresses; sockets bind (address or wildcard, port) on a node,
 * port 0 taking a free ephemeral port. Every directed pair of nodes is a link
 * with its own parameters (the default ones until set) and its own random
 * stream: a datagram is lost with the link's probability or when sent during
 * one of its outage windows, otherwise it arrives after the base delay plus
 * jitter (exponential with mean `jitter`, or normal with standard deviation
 * `jitter`, never below zero). Different parameters per direction give
 * asymmetry. Arrivals are events of the scheduler; the datagram goes to the
 * socket bound at arrival time (exact address before wildcard), or is
 * counted unreachable. Links may also delay some datagrams more (spikes)
 * or hand them over more than once (copies), see below. The extra draws
 * these make come after the others, so links without them draw as before.
 * An IPv4 address ending in .255 that no node owns is its /24's broadcast
 * address: a datagram to it goes to every other node with an address in
 * that /24, each over its own link (in the order the nodes were added).
 * A send to an address no node owns succeeds and is
 * counted unreachable, as UDP does. */
#ifndef STRATUM_SIM_NET_H
#define STRATUM_SIM_NET_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "sim/sim_sched.h"

#define SIM_NET_MAX_ADDRS 4           /* per node */
#define SIM_NET_MAX_NODES 1024
#define SIM_NET_MAX_SOCKETS 4096
#define SIM_NET_MAX_DATAGRAM 65507
#define SIM_NET_EPHEMERAL_FIRST 32768
#define SIM_NET_EPHEMERAL_LAST 60999

enum sim_jitter { SIM_JITTER_EXP = 0, SIM_JITTER_NORMAL = 1 };

struct sim_link_params {
  double delay;               /* base one-way delay, seconds */
  double jitter;              /* seconds, see above */
  enum sim_jitter jitter_kind;
  double loss;                /* probability in [0, 1] */
  unsigned pass_every;        /* > 1: only every Nth datagram on the link gets
                                 through (clknetsim's (% (sum 1) N)); 0: all */
  /* From datagram spike_from on (1-based, the link's count), each comes
   * spike_delay s later with probability spike_prob (> 0). */
  double spike_delay, spike_prob;
  unsigned spike_from;
  /* > 1: the receiver reads each datagram 1 to `copies` times, as many
   * equally likely (clknetsim's CLKNETSIM_RECV_MULTIPLY); 0 or 1: once. */
  unsigned copies;
};

struct sim_net_dgram {
  const uint8_t *data;
  size_t len;
  struct ip_addr from, to;
  uint16_t from_port, to_port;
};

typedef void (*sim_net_recv_fn)(void *arg, int sock, const struct sim_net_dgram *dg);

struct sim_net_stats {
  uint64_t sent, delivered, lost, outage, unreachable;
  /* The lowest and highest destination port of the datagrams sent (as
   * clknetsim's log.packets has them); 0 and 0 before the first. */
  uint16_t min_to_port, max_to_port;
};

struct sim_net;

struct sim_net *sim_net_new(struct sim_sched *sched, uint64_t seed);
/* Drops the datagrams still in flight. */
void sim_net_free(struct sim_net *n);

/* Returns the node id (>= 0) or -EINVAL, -EADDRINUSE, -ENOSPC, -ENOMEM. */
int sim_net_add_node(struct sim_net *n, const struct ip_addr *addrs, unsigned n_addrs);

/* The parameters of every link not given its own. 0 or -EINVAL. */
int sim_net_set_default(struct sim_net *n, const struct sim_link_params *p);
/* One direction, from -> to. Return 0 or -EINVAL, -ENOMEM. */
int sim_net_set_link(struct sim_net *n, int from, int to, const struct sim_link_params *p);
/* Datagrams sent from -> to in [start, end) of true time are dropped. */
int sim_net_add_outage(struct sim_net *n, int from, int to, sim_time start, sim_time end);

/* `local` NULL or ADDR_UNSPEC: the wildcard of `family`. Returns a socket
 * id >= 0 or -EAFNOSUPPORT, -EADDRNOTAVAIL, -EADDRINUSE, -EMFILE, -ENOMEM. */
int sim_net_bind(struct sim_net *n, int node, enum addr_family family,
                 const struct ip_addr *local, uint16_t port, sim_net_recv_fn fn, void *arg);
void sim_net_unbind(struct sim_net *n, int sock);
/* Source address: `local` if given, else the bound address, else the
 * node's first address of the family. Returns 0 or -EBADF, -EAFNOSUPPORT,
 * -EADDRNOTAVAIL, -ENETUNREACH, -EMSGSIZE, -ENOMEM. */
int sim_net_send(struct sim_net *n, int sock, const struct ip_addr *local,
                 const struct ip_addr *to, uint16_t port, const uint8_t *buf, size_t len);

const struct sim_net_stats *sim_net_stats(const struct sim_net *n);
/* Datagrams sent on the link from -> to so far (lost ones too). */
uint64_t sim_net_link_sent(const struct sim_net *n, int from, int to);

#endif
