/* names: chrony's rules for sources given by name (pure: no OS calls, no
 * state of its own).
 *
 *  - A pool takes up to twice its maxsources (maxsources clamped to 1..16,
 *    the total to 16) tentative sources; once maxsources of them have
 *    answered, the other tentative ones go.
 *  - A round of resolving that leaves names unresolved is repeated after
 *    7 * 2^k seconds, k growing by one per round from 2 to 9 (28 s to
 *    3584 s) and starting again when every name is resolved.
 *  - After an attempt to replace a bad source, further attempts wait a
 *    random interval of up to 3584 s.
 *  - Resolved addresses are used in the resolver's order (a replacement
 *    starts at a random one), skipping addresses already in use. */
#ifndef STRATUM_CORE_NAMES_H
#define STRATUM_CORE_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/addr.h"

#define NAMES_MAX_POOL 16       /* chrony's MAX_POOL_SOURCES */

/* maxsources as a pool uses it (1..16). */
int names_pool_max(int maxsources);
/* How many sources a pool adds before any answered. */
int names_pool_target(int maxsources);

/* The delay before the next round; *exponent is the caller's state (0 at
 * first, and again once everything resolved). */
double names_retry_delay(int *exponent);

/* The time to wait after a replacement attempt, from a random number. */
double names_replace_holdoff(uint32_t random);

typedef bool (*names_in_use_fn)(void *arg, const struct ip_addr *a);

/* Up to max addresses of addrs[0..n-1], starting at index first % n and
 * wrapping, that are not in use and not picked twice. Returns how many. */
int names_pick(const struct ip_addr *addrs, int n, unsigned first, names_in_use_fn in_use,
               void *arg, struct ip_addr *out, int max);

#endif
