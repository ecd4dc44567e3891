/* dns: asynchronous name resolution with c-ares, driven by the poll loop.
 *
 * dns_resolve() starts a lookup (the hosts file and DNS, as the system's
 * configuration says) and returns at once. The callback is called exactly
 * once, always later from the loop (never from inside dns_resolve), unless
 * the lookup is cancelled or the resolver freed first (the Linux platform's
 * resolve operation). c-ares' sockets are watched with
 * loop_add_fd and its timeouts are loop timers (never re-armed with less
 * than 10 ms). Only UDP is used: a truncated answer is taken as it is,
 * never retried over TCP, so only input is ever waited for. Every lookup
 * ends within c-ares' own timeouts and tries (resolv.conf's); retrying a
 * name that failed is the caller's business. The system's configuration is
 * read again whenever no lookup is running, so an edited resolv.conf takes
 * effect at the next lookup (as chronyd reloads it before resolving). */
#ifndef STRATUM_SYS_DNS_H
#define STRATUM_SYS_DNS_H

#include <stdint.h>

#include "core/addr.h"
#include "core/platform.h"
#include "sys/loop.h"

struct dns;
struct ares_addrinfo_node;

/* NULL if c-ares cannot be initialised or out of memory. The loop must
 * outlive it. */
struct dns *dns_new(struct loop *loop);
/* Lookups still running are abandoned: their callbacks are not called. */
void dns_free(struct dns *d);

/* family: ADDR_UNSPEC (either), ADDR_INET4 or ADDR_INET6; max: 1 to
 * PLAT_RESOLVE_MAX. Returns the lookup's number (> 0), or -errno (and the
 * callback will not be called). */
int64_t dns_resolve(struct dns *d, const char *name, int family, int max, plat_resolve_fn fn,
                    void *arg);
/* The lookup's callback will not be called (nothing if it was already). */
void dns_cancel(struct dns *d, int64_t lookup);

/* The addresses of a c-ares result list: IPv4 and IPv6 only, of `family`
 * unless ADDR_UNSPEC, without duplicates, at most max. Returns how many were
 * written. Pure (exposed for the unit tests). */
int dns_collect(const struct ares_addrinfo_node *nodes, int family, struct ip_addr *out, int max);

#endif
