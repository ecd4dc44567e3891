/* srclist: the configured sources (server, pool and peer lines, given by
 * address or by name) made into the client's sources, as chronyd's
 * ntp_sources.c does it, on the platform's resolver and timers:
 *
 *  - An address is added at once. Names are resolved one at a time, in
 *    rounds; a round that leaves names unresolved is repeated after a
 *    growing interval (28 s up to 3584 s, see core/names.h). A failure is
 *    logged once per name, never fatal.
 *  - A pool adds up to twice its maxsources sources; once maxsources of
 *    them have answered, the others are removed.
 *  - A source given by name that the client reports bad (unreachable,
 *    falseticker...) is replaced by another address of its name that is
 *    not in use; an attempt is made at most once per random interval of up
 *    to 3584 s, and a failed lookup is not retried (the next report tries).
 *
 * A line holds its place in the client's reports from when it is added:
 * a name's sources come there, in the slots it reserved with placeholders
 * (client_add_placeholders; a pool's 2 x maxsources), each replacing one
 * as chronyd's placeholder sources are replaced, and a replaced source
 * keeps its own. A pool that completes drops its placeholders left, as
 * chronyd removes its tentative sources; a name forgotten drops its own.
 *
 * The client's changes and the lookups wait for a timer: nothing is done
 * from inside the client's handlers or inside srclist_add. Peers
 * (symmetric mode) are sources too, flagged in their parameters. */
#ifndef STRATUM_CORE_SRCLIST_H
#define STRATUM_CORE_SRCLIST_H

#include <stdbool.h>

#include "core/addr.h"
#include "core/client.h"
#include "core/platform.h"

/* One server, pool or peer line. */
struct srclist_source {
  struct client_source_params params;   /* name: an address or a host name;
                                           addr is not used */
  int family;                           /* addresses wanted: ADDR_INET4,
                                           ADDR_INET6, ADDR_UNSPEC (the
                                           list's own) */
  bool pool;
  int maxsources;                       /* a pool's (names_pool_max) */
};

struct srclist;

/* family: the daemon's -4/-6 (ADDR_INET4, ADDR_INET6) or ADDR_UNSPEC. The
 * list takes the client's source events (client_set_source_event). NULL if
 * out of memory. The platform and the client must outlive it. */
struct srclist *srclist_new(const struct platform *plat, struct client *client, int family);
void srclist_free(struct srclist *l);

enum srclist_result { SRCLIST_OK, SRCLIST_KNOWN, SRCLIST_UNKNOWN, SRCLIST_FAILED };
/* SRCLIST_KNOWN if the address is a source already; SRCLIST_FAILED if it
 * is of the other family, or out of memory, or the client is full. A name
 * is resolved soon. */
enum srclist_result srclist_add(struct srclist *l, const struct srclist_source *s);
/* The source or placeholder (ADDR_ID) with this address, for good: a
 * pool keeps resolving for its other placeholders, a name left with
 * neither is forgotten. SRCLIST_UNKNOWN if there is none. */
enum srclist_result srclist_delete(struct srclist *l, const struct ip_addr *addr);
/* Undo what srclist_add(l, s) did: its address, or its name's sources. */
void srclist_remove(struct srclist *l, const struct srclist_source *s);
/* chronyc refresh: resolve every source's name now (a pool's too, once
 * per source); a source whose name no longer resolves to its address moves
 * to another one. */
void srclist_refresh(struct srclist *l);
/* The refresh directive (chronyd's default 1209600 s; 0 or less: off):
 * every `interval` seconds the source whose name was looked up for it the
 * longest ago (when it was added, refreshed or to be replaced), and not
 * within the interval, has its name looked up again; it moves as with
 * srclist_refresh. */
void srclist_set_refresh(struct srclist *l, int interval);

#endif
