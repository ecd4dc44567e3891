/* access: allow/deny tables with chrony's semantics.
 *
 * Rules are applied in order. `allow SUBNET` / `deny SUBNET` set the verdict
 * of that subnet; `allow all SUBNET` / `deny all SUBNET` also drop every
 * earlier, more specific rule inside it. As in chronyd's table (a level
 * every 4 bits), a prefix between two levels stands for the subnets of the
 * next level down it covers: deny 1.2.3.0/27 replaces an allow 1.2.3.0/28
 * (and 1.2.3.16/28). A lookup returns the verdict of the
 * most specific subnet containing the address; with no match the table's
 * default applies (deny for NTP clients). IPv4-mapped IPv6 addresses are
 * checked as IPv4. */
#ifndef STRATUM_CORE_ACCESS_H
#define STRATUM_CORE_ACCESS_H

#include <stdbool.h>

#include "core/addr.h"

struct access_rule {
  struct ip_subnet net;
  bool allow;
};

struct access_table {
  struct access_rule *rules;     /* at most one rule per subnet */
  unsigned n, cap;
  bool default_allow;
};

void access_init(struct access_table *t, bool default_allow);
void access_free(struct access_table *t);
/* `net` with family ADDR_UNSPEC means every address of both families.
 * Returns false only on allocation failure. */
bool access_add(struct access_table *t, const struct ip_subnet *net, bool allow, bool all);
bool access_check(const struct access_table *t, const struct ip_addr *a);
/* True if some address of `family` can be allowed (to decide whether a
 * server socket is needed at all). */
bool access_any_allowed(const struct access_table *t, enum addr_family family);

#endif
