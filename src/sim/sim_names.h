/* sim_names: the simulated world's name service, a table the scenario
 * scripts: each name answers its addresses, or fails with an error, after
 * a delay of its own (true time). A lookup is answered from the scheduler,
 * never from inside sim_names_lookup, with what the table said when it
 * was made; a name not in the table fails ("Domain name not found") at
 * once. Every lookup of a name is recorded with its time, for tests. This
 * is what a simulated host's platform_ops.resolve asks. */
#ifndef STRATUM_SIM_NAMES_H
#define STRATUM_SIM_NAMES_H

#include <stdint.h>

#include "core/platform.h"
#include "sim/sim_sched.h"

#define SIM_NAMES_NOT_FOUND "Domain name not found"
#define SIM_NAMES_NO_DATA "DNS server returned answer with no data"

struct sim_names;

struct sim_names *sim_names_new(struct sim_sched *sched);
/* Lookups still pending are dropped, unanswered. */
void sim_names_free(struct sim_names *t);

/* From now on a lookup of name answers after delay seconds with
 * addrs[0..n-1] (1 <= n <= PLAT_RESOLVE_MAX), or with n == 0 fails with
 * error. 0, or -EINVAL (bad arguments) or -ENOMEM. */
int sim_names_set(struct sim_names *t, const char *name, const struct ip_addr *addrs, int n,
                  double delay, const char *error);

/* platform_ops.resolve for the host `owner`: the addresses of `family`
 * (ADDR_UNSPEC: all), at most max. Returns 0 only when out of memory. */
plat_lookup sim_names_lookup(struct sim_names *t, const char *name, int family, int max,
                             plat_resolve_fn fn, void *arg, const void *owner);
void sim_names_cancel(struct sim_names *t, plat_lookup lookup);
/* Every pending lookup of a host that goes away. */
void sim_names_cancel_owner(struct sim_names *t, const void *owner);

/* How many lookups of name were made; the times (seconds since the start
 * of the simulation) of the first max of them go to times. */
unsigned sim_names_lookups(const struct sim_names *t, const char *name, double *times,
                           unsigned max);

#endif
