#include "sim/sim_names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NAME_LEN 256

/* A name of the table: what it answers, and when it was asked. */
struct entry {
  char name[NAME_LEN];
  struct ip_addr addrs[PLAT_RESOLVE_MAX];
  int n;
  double delay;
  const char *error;
  double *times;
  unsigned n_times, cap_times;
  struct entry *next;
};

/* A lookup waiting for its answer's event. */
struct pending {
  struct sim_names *t;
  sim_event ev;                      /* also the lookup's number */
  plat_resolve_fn fn;
  void *arg;
  const void *owner;
  struct ip_addr addrs[PLAT_RESOLVE_MAX];
  int n;
  const char *error;
  struct pending *next;
};

struct sim_names {
  struct sim_sched *sched;
  struct entry *entries;
  struct pending *pending;
};

struct sim_names *sim_names_new(struct sim_sched *sched)
{
  struct sim_names *t = calloc(1, sizeof(*t));
  if (t)
    t->sched = sched;
  return t;
}

static void drop(struct sim_names *t, struct pending **link)
{
  struct pending *p = *link;
  *link = p->next;
  sim_sched_cancel(t->sched, p->ev);
  free(p);
}

void sim_names_free(struct sim_names *t)
{
  if (!t)
    return;
  while (t->pending)
    drop(t, &t->pending);
  while (t->entries) {
    struct entry *e = t->entries;
    t->entries = e->next;
    free(e->times);
    free(e);
  }
  free(t);
}

static struct entry *find(const struct sim_names *t, const char *name)
{
  for (struct entry *e = t->entries; e; e = e->next)
    if (strcmp(e->name, name) == 0)
      return e;
  return NULL;
}

/* The name's entry, made (failing: not found, at once) if it has none. */
static struct entry *entry_of(struct sim_names *t, const char *name)
{
  struct entry *e = find(t, name);
  if (e || strlen(name) >= NAME_LEN || !(e = calloc(1, sizeof(*e))))
    return e;
  strcpy(e->name, name);
  e->error = SIM_NAMES_NOT_FOUND;
  e->next = t->entries;
  t->entries = e;
  return e;
}

int sim_names_set(struct sim_names *t, const char *name, const struct ip_addr *addrs, int n,
                  double delay, const char *error)
{
  if (n < 0 || n > PLAT_RESOLVE_MAX || (n == 0 && !error) || !(delay >= 0.0) ||
      strlen(name) >= NAME_LEN)
    return -EINVAL;
  struct entry *e = entry_of(t, name);
  if (!e)
    return -ENOMEM;
  if (n > 0)                            /* addrs may be NULL when n is 0 */
    memcpy(e->addrs, addrs, (size_t)n * sizeof(addrs[0]));
  e->n = n;
  e->delay = delay;
  e->error = n > 0 ? NULL : error;
  return 0;
}

static void record(struct sim_names *t, struct entry *e)
{
  if (e->n_times == e->cap_times) {
    unsigned cap = e->cap_times ? 2 * e->cap_times : 16;
    double *times = realloc(e->times, cap * sizeof(*times));
    if (!times)
      return;
    e->times = times;
    e->cap_times = cap;
  }
  e->times[e->n_times++] = sim_sched_elapsed(t->sched);
}

static void answer(void *arg)
{
  struct pending *p = arg;
  struct sim_names *t = p->t;
  for (struct pending **link = &t->pending; *link; link = &(*link)->next) {
    if (*link == p) {
      *link = p->next;
      break;
    }
  }
  p->fn(p->arg, p->addrs, p->n, p->n > 0 ? NULL : p->error);
  free(p);
}

plat_lookup sim_names_lookup(struct sim_names *t, const char *name, int family, int max,
                             plat_resolve_fn fn, void *arg, const void *owner)
{
  struct entry *e = entry_of(t, name);
  struct pending *p = calloc(1, sizeof(*p));
  if (!e || !p) {
    free(p);
    return 0;
  }
  record(t, e);
  *p = (struct pending){.t = t, .fn = fn, .arg = arg, .owner = owner, .error = e->error};
  for (int i = 0; i < e->n && p->n < max; i++)
    if (family == ADDR_UNSPEC || e->addrs[i].family == family)
      p->addrs[p->n++] = e->addrs[i];
  if (e->n > 0 && p->n == 0)
    p->error = SIM_NAMES_NO_DATA;
  sim_time at = sim_sched_now(t->sched) + sim_ns(e->delay);
  if (!(p->ev = sim_sched_add(t->sched, at, answer, p, owner))) {
    free(p);
    return 0;
  }
  p->next = t->pending;
  t->pending = p;
  return p->ev;
}

void sim_names_cancel(struct sim_names *t, plat_lookup lookup)
{
  for (struct pending **link = &t->pending; *link; link = &(*link)->next) {
    if ((*link)->ev == lookup) {
      drop(t, link);
      return;
    }
  }
}

void sim_names_cancel_owner(struct sim_names *t, const void *owner)
{
  for (struct pending **link = &t->pending; *link;) {
    if ((*link)->owner == owner)
      drop(t, link);
    else
      link = &(*link)->next;
  }
}

unsigned sim_names_lookups(const struct sim_names *t, const char *name, double *times,
                           unsigned max)
{
  const struct entry *e = find(t, name);
  if (!e)
    return 0;
  for (unsigned i = 0; i < e->n_times && i < max; i++)
    times[i] = e->times[i];
  return e->n_times;
}
