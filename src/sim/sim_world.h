/* sim_world: one simulation — a scheduler, a network and its hosts.
 *
 * Everything random in the world derives from its seed: the network from
 * stream 0, the i-th host added from stream i + 1, so the same seed and the
 * same construction give bit-identical runs. True time starts at `start`
 * (any time sim_time can hold, e.g. just before the 2036 NTP rollover).
 * Hosts have one address each. Paths and outages between two hosts are set
 * here (both directions), single directions on sim_world_net() with
 * sim_platform_node() ids. Names resolve as the world's table says
 * (sim_world_names). Scenario code schedules its own actions with
 * sim_world_at(). Freeing the world frees its hosts; free the servers,
 * metrics and core state that use them first. */
#ifndef STRATUM_SIM_WORLD_H
#define STRATUM_SIM_WORLD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "sim/sim_net.h"
#include "sim/sim_platform.h"
#include "sim/sim_sched.h"

#define SIM_WORLD_MAX_HOSTS 256

struct sim_world;

struct sim_world *sim_world_new(uint64_t seed, const struct timespec *start);
void sim_world_free(struct sim_world *w);

struct sim_sched *sim_world_sched(const struct sim_world *w);
struct sim_net *sim_world_net(const struct sim_world *w);
/* The name table every host resolves with (sim_names.h). */
struct sim_names *sim_world_names(const struct sim_world *w);

/* `clock` NULL: a perfect clock. NULL on a malformed or taken address,
 * too many hosts, or no memory. */
struct sim_platform *sim_world_add_host(struct sim_world *w, const char *name, const char *addr,
                                        const struct sim_clock_params *clock);
/* Both directions between two hosts. 0 or -errno. */
int sim_world_set_path(struct sim_world *w, const struct sim_platform *a,
                       const struct sim_platform *b, const struct sim_link_params *p);
/* Both directions between two hosts are down in [start, end) seconds after
 * the simulation start. */
int sim_world_add_outage(struct sim_world *w, const struct sim_platform *a,
                         const struct sim_platform *b, double start, double end);

/* Call fn(arg) at `elapsed` seconds after the start (now if past). */
bool sim_world_at(struct sim_world *w, double elapsed, sim_event_fn fn, void *arg);
/* Run `seconds` of true time. 0, or -ELOOP from the scheduler. */
int sim_world_run(struct sim_world *w, double seconds);
double sim_world_elapsed(const struct sim_world *w);
void sim_world_set_verbose(struct sim_world *w, bool verbose);

#endif
