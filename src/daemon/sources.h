/* sources: the configured server/pool/peer lines (and those of sourcedir files)
 * made into the client's sources, as chronyd does it.
 *
 *  - An address is added at once. Names are resolved asynchronously (the
 *    platform's resolve), one at a time, in rounds; a round that leaves
 *    names unresolved is
 *    repeated after a growing interval (28 s up to 3584 s, see core/names.h).
 *    A failure is logged once per name, never fatal.
 *  - A pool adds up to twice its maxsources sources; once maxsources of them
 *    have answered, the others are removed.
 *  - A source given by name that the client reports bad (unreachable,
 *    falseticker...) is replaced by another address of its name that is not
 *    in use; an attempt is made at most once per random interval of up to
 *    3584 s, and a failed lookup is not retried (the next report tries).
 * Peers (symmetric mode) are sources too, flagged as such for the client. */
#ifndef STRATUM_DAEMON_SOURCES_H
#define STRATUM_DAEMON_SOURCES_H

#include "conf/config.h"
#include "core/client.h"
#include "sys/loop.h"

struct sources;

/* family: the -4/-6 option (ADDR_INET4, ADDR_INET6) or ADDR_UNSPEC. NULL if
 * out of memory. The loop and the platform must outlive it. */
struct sources *sources_new(struct loop *loop, const struct platform *plat, int family);
void sources_free(struct sources *s);

/* The client's parameters from cfg; the client's source events go to s. */
void sources_client_params(const struct config *cfg, bool control, struct sources *s,
                           struct client_params *p);
/* Add cfg's sources to c (the same client every time): addresses now, names
 * when resolved. c must outlive s. */
void sources_add(struct sources *s, const struct config *cfg, struct client *c);

/* chronyc's commands (after sources_add set the client). */
enum sources_result { SOURCES_OK, SOURCES_KNOWN, SOURCES_UNKNOWN, SOURCES_FAILED };
/* add server/pool: SOURCES_KNOWN if the address is a source already. */
enum sources_result sources_add_one(struct sources *s, const struct conf_source *cs);
/* delete: the source with this address (a name left without sources is
 * forgotten); SOURCES_UNKNOWN if there is none. */
enum sources_result sources_delete(struct sources *s, const struct ip_addr *addr);
/* reload sources: the lines of `old` missing from `now` go, with their
 * sources; the lines of `now` missing from `old` are added. */
void sources_reload(struct sources *s, const struct config *old, const struct config *now);
/* refresh: resolve every name now; a server whose name resolves to another
 * address moves to it. */
void sources_refresh(struct sources *s);
/* Names still without any address (chronyc activity). */
int sources_unresolved(const struct sources *s);

#endif
