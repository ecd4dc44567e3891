/* sim_sched: the event queue of a simulation, in true time.
 *
 * Events (node timers, packet arrivals, scenario actions) run in order of
 * their true time; events at the same instant run in the order they were
 * added, so an event added for "now" while events run waits behind those
 * already pending, as timers do in src/sys/loop.c. An event for the past
 * runs now. More than SIM_SCHED_MAX_PER_INSTANT events at one instant (a
 * handler re-arming itself with no delay) stops the run with -ELOOP, and the
 * queue refuses to run again. Each event may name an owner, whose pending
 * events can be cancelled at once when it goes away. */
#ifndef STRATUM_SIM_SCHED_H
#define STRATUM_SIM_SCHED_H

#include <stdint.h>

#include "sim/sim_time.h"

#define SIM_SCHED_MAX_PER_INSTANT 100000u
#define SIM_SCHED_MAX_PENDING (1u << 24)

typedef uint64_t sim_event;            /* 0 is never a valid event */
typedef void (*sim_event_fn)(void *arg);

struct sim_sched;

struct sim_sched *sim_sched_new(sim_time start);
void sim_sched_free(struct sim_sched *s);

sim_time sim_sched_now(const struct sim_sched *s);
double sim_sched_elapsed(const struct sim_sched *s);   /* seconds since start */
sim_time sim_sched_start(const struct sim_sched *s);

/* Returns 0 when out of memory or beyond SIM_SCHED_MAX_PENDING. */
sim_event sim_sched_add(struct sim_sched *s, sim_time at, sim_event_fn fn, void *arg,
                        const void *owner);
/* Stale and zero ids are ignored. */
void sim_sched_cancel(struct sim_sched *s, sim_event ev);
void sim_sched_cancel_owner(struct sim_sched *s, const void *owner);

/* Run every event due up to `until`, then leave the time at `until`.
 * Returns 0, or -ELOOP (see above). */
int sim_sched_run_until(struct sim_sched *s, sim_time until);

unsigned sim_sched_pending(const struct sim_sched *s);
uint64_t sim_sched_processed(const struct sim_sched *s);

#endif
