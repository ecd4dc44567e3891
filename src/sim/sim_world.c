#include "sim/sim_world.h"

#include <stdlib.h>

#include "sim/sim_rng.h"

struct sim_world {
  uint64_t seed;
  struct sim_sched *sched;
  struct sim_net *net;
  struct sim_names *names;
  struct sim_platform *hosts[SIM_WORLD_MAX_HOSTS];
  unsigned n_hosts;
  bool verbose;
};

struct sim_world *sim_world_new(uint64_t seed, const struct timespec *start)
{
  struct sim_world *w = calloc(1, sizeof(*w));
  if (!w)
    return NULL;
  w->seed = seed;
  w->sched = sim_sched_new(sim_time_from_timespec(start));
  w->net = w->sched ? sim_net_new(w->sched, sim_rng_derive(seed, 0)) : NULL;
  w->names = w->sched ? sim_names_new(w->sched) : NULL;
  if (!w->net || !w->names) {
    sim_world_free(w);
    return NULL;
  }
  return w;
}

void sim_world_free(struct sim_world *w)
{
  if (!w)
    return;
  for (unsigned i = 0; i < w->n_hosts; i++)
    sim_platform_free(w->hosts[i]);
  sim_names_free(w->names);
  sim_net_free(w->net);
  sim_sched_free(w->sched);
  free(w);
}

struct sim_sched *sim_world_sched(const struct sim_world *w)
{
  return w->sched;
}

struct sim_net *sim_world_net(const struct sim_world *w)
{
  return w->net;
}

struct sim_names *sim_world_names(const struct sim_world *w)
{
  return w->names;
}

struct sim_platform *sim_world_add_host(struct sim_world *w, const char *name, const char *addr,
                                        const struct sim_clock_params *clock)
{
  struct ip_addr a;
  if (w->n_hosts >= SIM_WORLD_MAX_HOSTS || !addr_parse(addr, &a))
    return NULL;
  struct sim_platform_config cfg = {
    .name = name,
    .addrs = &a,
    .n_addrs = 1,
    .clock = clock ? *clock : (struct sim_clock_params){0},
    .seed = sim_rng_derive(w->seed, w->n_hosts + 1u),
    .names = w->names,
  };
  struct sim_platform *p = sim_platform_new(w->sched, w->net, &cfg);
  if (!p)
    return NULL;
  sim_platform_set_verbose(p, w->verbose);
  w->hosts[w->n_hosts++] = p;
  return p;
}

int sim_world_set_path(struct sim_world *w, const struct sim_platform *a,
                       const struct sim_platform *b, const struct sim_link_params *p)
{
  int r = sim_net_set_link(w->net, sim_platform_node(a), sim_platform_node(b), p);
  return r < 0 ? r : sim_net_set_link(w->net, sim_platform_node(b), sim_platform_node(a), p);
}

int sim_world_add_outage(struct sim_world *w, const struct sim_platform *a,
                         const struct sim_platform *b, double start, double end)
{
  sim_time t0 = sim_sched_start(w->sched) + sim_ns(start);
  sim_time t1 = sim_sched_start(w->sched) + sim_ns(end);
  int r = sim_net_add_outage(w->net, sim_platform_node(a), sim_platform_node(b), t0, t1);
  return r < 0 ? r : sim_net_add_outage(w->net, sim_platform_node(b), sim_platform_node(a), t0, t1);
}

bool sim_world_at(struct sim_world *w, double elapsed, sim_event_fn fn, void *arg)
{
  return sim_sched_add(w->sched, sim_sched_start(w->sched) + sim_ns(elapsed), fn, arg, w) != 0;
}

int sim_world_run(struct sim_world *w, double seconds)
{
  return sim_sched_run_until(w->sched, sim_sched_now(w->sched) + sim_ns(seconds));
}

double sim_world_elapsed(const struct sim_world *w)
{
  return sim_sched_elapsed(w->sched);
}

void sim_world_set_verbose(struct sim_world *w, bool verbose)
{
  w->verbose = verbose;
  for (unsigned i = 0; i < w->n_hosts; i++)
    sim_platform_set_verbose(w->hosts[i], verbose);
}
