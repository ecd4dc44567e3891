/* dns: host names to command-protocol addresses and back, through the
 * system resolver (getaddrinfo/getnameinfo). */
#ifndef STRATUM_STRATUMC_DNS_H
#define STRATUM_STRATUMC_DNS_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/cmdmon.h"

/* Which families names may resolve to: 0 both, 4 or 6. */
struct sc_dns {
  int family;
};

/* Up to max addresses of name (literals included); returns how many. */
int sc_dns_lookup(const struct sc_dns *d, const char *name, struct cmd_ip *ips, int max);
/* An sc_resolve_fn (cmdparse.h): the first address; arg is a struct sc_dns. */
bool sc_dns_resolve(void *arg, const char *name, struct cmd_ip *ip);
/* The name of an address, or its text form when it has none. */
void sc_dns_reverse(const struct cmd_ip *ip, char *buf, size_t len);

#endif
