#include "core/srclist.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/names.h"
#include "proto/timespec.h"

_Static_assert(NAMES_MAX_POOL <= PLAT_RESOLVE_MAX, "a lookup gives a whole pool");

/* A server, pool or peer line given by name, and its sources in the client. */
struct named {
  struct client_source_params params;    /* the name and options (addr unused) */
  int family;                            /* addresses wanted: ADDR_UNSPEC, 4 or 6 */
  bool pool;
  int max_sources;                       /* sources to keep once they answered */
  int target;                            /* sources to add before any answered */
  bool complete;                         /* pool: max_sources have answered */
  bool trim;                             /* ...and the others are to be removed */
  bool warned;                           /* "Could not resolve" was logged */
  struct ip_addr members[NAMES_MAX_POOL];
  /* chronyd's last_resolving, per source: when it was added, or its name
   * last looked up again for it (refresh, replacement). */
  struct timespec last_resolving[NAMES_MAX_POOL];
  bool answered[NAMES_MAX_POOL];
  /* Where its sources come in reports: `target` slots reserved when the
   * line was added, with placeholders, each member in one. */
  client_slot first_slot;
  client_slot slot[NAMES_MAX_POOL];
  /* By slot (from first_slot): its source or placeholder was deleted
   * (chronyc delete); chronyd's pool is a source short for good. */
  bool deleted[NAMES_MAX_POOL];
  int n_members;
  struct named *next;
};

/* A name waiting to be resolved: to add sources, or to replace one. */
struct job {
  struct named *src;
  bool replace;
  bool refresh;                          /* replace old only if the name no
                                            longer resolves to it */
  struct ip_addr old;                    /* the source to replace */
  struct job *next;
};

struct srclist {
  const struct platform *plat;
  struct client *client;
  int family;
  struct named *named;
  struct job *jobs;                      /* in the order they came */
  struct job **jobs_tail;                /* where the next one goes */
  struct job *resolving;                 /* whose lookup is running; NULL: none */
  plat_lookup lookup;                    /* ...and the lookup */
  int retry_exponent;                    /* see names_retry_delay */
  plat_timer retry_timer;                /* the next round */
  plat_timer work_timer;                 /* what srclist_add and the client asked for */
  bool wake;                             /* a job is waiting for a round */
  plat_timer holdoff_timer;              /* no replacement while it runs */
  int refresh;                           /* the refresh directive, s; 0: off */
  plat_timer refresh_timer;
};

static uint32_t random_u32(const struct srclist *l)
{
  uint32_t r;
  l->plat->ops->random_bytes(l->plat->ctx, &r, sizeof(r));
  return r;
}

static bool in_use(void *arg, const struct ip_addr *a)
{
  const struct srclist *l = arg;
  return client_find_source(l->client, a) >= 0;
}

static int member_index(const struct named *n, const struct ip_addr *a)
{
  for (int m = 0; m < n->n_members; m++)
    if (addr_equal(&n->members[m], a))
      return m;
  return -1;
}

static void forget_member(struct named *n, int m)
{
  n->n_members--;
  memmove(&n->members[m], &n->members[m + 1], (n->n_members - m) * sizeof(n->members[0]));
  memmove(&n->answered[m], &n->answered[m + 1], (n->n_members - m) * sizeof(n->answered[0]));
  memmove(&n->last_resolving[m], &n->last_resolving[m + 1],
          (n->n_members - m) * sizeof(n->last_resolving[0]));
  memmove(&n->slot[m], &n->slot[m + 1], (n->n_members - m) * sizeof(n->slot[0]));
}

static bool slot_free(const struct named *n, client_slot s)
{
  for (int m = 0; m < n->n_members; m++)
    if (n->slot[m] == s)
      return false;
  return !n->deleted[s - n->first_slot];
}

/* The name's slots that still wait for a source: those with a placeholder
 * until the pool completes. */
static int open_slots(const struct named *n)
{
  int count = 0;
  for (int k = 0; !n->complete && k < n->target; k++)
    count += slot_free(n, n->first_slot + (client_slot)k);
  return count;
}

/* The first of the name's open slots (there is one whenever a member is to
 * be added: add_members adds no more than open_slots). */
static client_slot free_slot(const struct named *n)
{
  int k = 0;
  while (k < n->target - 1 && !slot_free(n, n->first_slot + (client_slot)k))
    k++;
  assert(slot_free(n, n->first_slot + (client_slot)k));
  return n->first_slot + (client_slot)k;
}

static bool is_resolved(const struct named *n)
{
  return open_slots(n) == 0;
}

/* Unlink and free the job the link p points to. */
static void unlink_job(struct srclist *l, struct job **p)
{
  struct job *j = *p;
  *p = j->next;
  if (l->jobs_tail == &j->next)
    l->jobs_tail = p;
  free(j);
}

static void remove_job(struct srclist *l, struct job *j)
{
  for (struct job **p = &l->jobs; *p; p = &(*p)->next) {
    if (*p == j) {
      unlink_job(l, p);
      return;
    }
  }
}

static bool add_job(struct srclist *l, struct named *n, const struct ip_addr *old, bool refresh)
{
  struct job *j = calloc(1, sizeof(*j));
  if (!j)
    return false;
  j->src = n;
  j->replace = old != NULL;
  j->refresh = refresh;
  if (old) {
    int m = member_index(n, old);
    j->old = *old;
    if (m >= 0)
      l->plat->ops->now(l->plat->ctx, &n->last_resolving[m]);
  }
  *l->jobs_tail = j;
  l->jobs_tail = &j->next;
  return true;
}

/* --- resolving --- */

static void add_members(struct srclist *l, struct named *n, const struct ip_addr *addrs,
                        int count)
{
  char a[ADDR_STR_LEN];
  struct ip_addr picked[NAMES_MAX_POOL];
  int want = open_slots(n);
  int k = names_pick(addrs, count, 0, in_use, l, picked, want);
  for (int i = 0; i < k; i++) {
    struct client_source_params p = n->params;
    client_slot slot = free_slot(n);
    p.addr = picked[i];
    if (client_add_source_in(l->client, &p, slot) < 0) {
      plat_logf(l->plat, PLAT_LOG_ERR, "Could not add source %s", n->params.name);
      return;
    }
    plat_logf(l->plat, PLAT_LOG_DEBUG, "Added source %s (%s)", addr_format(&p.addr, a),
              n->params.name);
    n->members[n->n_members] = picked[i];
    n->slot[n->n_members] = slot;
    l->plat->ops->now(l->plat->ctx, &n->last_resolving[n->n_members]);
    n->answered[n->n_members++] = false;
  }
}

static void replace_member(struct srclist *l, struct named *n, const struct job *j,
                           const struct ip_addr *addrs, int count)
{
  struct ip_addr picked;
  const struct ip_addr *old = &j->old;
  int i = client_find_source(l->client, old), m = member_index(n, old);
  /* chronyd keeps a refreshed source's address while its name has it. */
  for (int k = 0; j->refresh && k < count; k++)
    if (addr_equal(&addrs[k], old))
      return;
  /* A random start, not to get stuck with the same unusable servers. */
  if (i < 0 || m < 0 || names_pick(addrs, count, random_u32(l), in_use, l, &picked, 1) == 0)
    return;
  client_replace_source(l->client, (unsigned)i, &picked);
  n->members[m] = picked;
  n->answered[m] = false;
}

static void lookup(struct srclist *l);

static void on_retry_timer(void *arg)
{
  struct srclist *l = arg;
  l->retry_timer = 0;
  /* chronyd's round: drop what needs no resolving any more, then resolve
   * the rest one name after the other. */
  for (struct job **p = &l->jobs; *p;) {
    if (!(*p)->replace && is_resolved((*p)->src))
      unlink_job(l, p);
    else
      p = &(*p)->next;
  }
  l->resolving = l->jobs;
  if (l->resolving)
    lookup(l);
}

static void end_round(struct srclist *l)
{
  if (!l->jobs) {
    l->retry_exponent = 0;
    return;
  }
  double delay = names_retry_delay(&l->retry_exponent);
  plat_logf(l->plat, PLAT_LOG_DEBUG, "Resolving again in %.0f seconds", delay);
  l->retry_timer = l->plat->ops->timer_add(l->plat->ctx, delay, on_retry_timer, l);
}

static void on_resolved(void *arg, const struct ip_addr *addrs, int n, const char *error)
{
  struct srclist *l = arg;
  struct job *j = l->resolving;
  struct named *src = j->src;

  plat_logf(l->plat, PLAT_LOG_DEBUG, "%s resolved to %d addrs", src->params.name, n);
  if (n > 0 && j->replace)
    replace_member(l, src, j, addrs, n);
  else if (n > 0)
    add_members(l, src, addrs, n);
  else if (!j->replace && !src->warned) {
    plat_logf(l->plat, PLAT_LOG_WARN, "Could not resolve address of %s : %s", src->params.name,
              error);
    src->warned = true;
  }

  struct job *next = j->next;
  if (j->replace || is_resolved(src))
    remove_job(l, j);
  l->resolving = next;
  if (next)
    lookup(l);
  else
    end_round(l);
}

static void lookup(struct srclist *l)
{
  const struct named *n = l->resolving->src;
  l->lookup = l->plat->ops->resolve(l->plat->ctx, n->params.name, n->family, NAMES_MAX_POOL,
                                    on_resolved, l);
  if (!l->lookup) {
    plat_logf(l->plat, PLAT_LOG_ERR, "Could not resolve address of %s : no resolver",
              n->params.name);
    l->resolving = NULL;
    end_round(l);
  }
}

/* A job came: resolve now, unless a round is running (it gets there). */
static void resolve_soon(struct srclist *l)
{
  if (l->resolving)
    return;
  if (l->retry_timer) {
    l->plat->ops->timer_cancel(l->plat->ctx, l->retry_timer);
    l->retry_timer = 0;
    l->retry_exponent--;
  }
  on_retry_timer(l);
}

/* --- what the client reports, and the work it leads to --- */

/* Remove the sources of a pool that had not answered when it completed. */
static void trim(struct srclist *l, struct named *n)
{
  char a[ADDR_STR_LEN];
  n->trim = false;
  for (int m = n->n_members - 1; m >= 0; m--) {
    if (n->answered[m])
      continue;
    int i = client_find_source(l->client, &n->members[m]);
    if (i >= 0)
      client_remove_source(l->client, (unsigned)i);
    plat_logf(l->plat, PLAT_LOG_DEBUG, "Removed tentative source %s (%s)",
              addr_format(&n->members[m], a), n->params.name);
    forget_member(n, m);
  }
  client_drop_placeholders(l->client, n->first_slot, (unsigned)n->target);
}

/* The client's changes and the rounds wait for this timer: source events
 * come from inside the client, srclist_add from anywhere. */
static void on_work_timer(void *arg)
{
  struct srclist *l = arg;
  l->work_timer = 0;
  for (struct named *n = l->named; n; n = n->next)
    if (n->trim)
      trim(l, n);
  if (l->wake) {
    l->wake = false;
    resolve_soon(l);
  }
}

static void schedule_work(struct srclist *l)
{
  if (!l->work_timer)
    l->work_timer = l->plat->ops->timer_add(l->plat->ctx, 0.0, on_work_timer, l);
}

static void wake(struct srclist *l)
{
  l->wake = true;
  schedule_work(l);
}

/* A source's first sample. Once max_sources have answered, the others stay
 * tentative: chronyd removes them at the reply that completed the pool, so
 * it never takes their replies. Here the removal waits for the work timer,
 * and a reply read in the same pass of the loop (two servers answering
 * together) must not save its source from it. */
static void answered(struct srclist *l, struct named *n, int m)
{
  int count = 0;
  if (n->complete)
    return;
  n->answered[m] = true;
  for (int i = 0; i < n->n_members; i++)
    count += n->answered[i];
  if (n->pool && count >= n->max_sources) {
    n->complete = n->trim = true;
    schedule_work(l);
  }
}

static void on_holdoff_timer(void *arg)
{
  struct srclist *l = arg;
  l->holdoff_timer = 0;
}

/* chronyd's NSR_HandleBadSource: not too often, and only names. */
static void replace_later(struct srclist *l, struct named *n, const struct ip_addr *addr)
{
  char a[ADDR_STR_LEN];
  if (l->holdoff_timer)
    return;
  l->holdoff_timer = l->plat->ops->timer_add(l->plat->ctx, names_replace_holdoff(random_u32(l)),
                                             on_holdoff_timer, l);
  plat_logf(l->plat, PLAT_LOG_DEBUG, "Trying to replace %s (%s)", addr_format(addr, a),
            n->params.name);
  if (add_job(l, n, addr, false))
    wake(l);
}

static void on_source_event(void *arg, const struct ip_addr *addr, enum client_source_event ev)
{
  struct srclist *l = arg;
  for (struct named *n = l->named; n; n = n->next) {
    int m = member_index(n, addr);
    if (m < 0)
      continue;
    if (ev == CLIENT_SOURCE_ANSWERED)
      answered(l, n, m);
    else
      replace_later(l, n, addr);
    return;
  }
  /* Given by address: chronyd never replaces those. */
}

/* --- public --- */

struct srclist *srclist_new(const struct platform *plat, struct client *client, int family)
{
  struct srclist *l = calloc(1, sizeof(*l));
  if (!l)
    return NULL;
  *l = (struct srclist){.plat = plat, .client = client, .family = family,
                        .jobs_tail = &l->jobs};
  client_set_source_event(client, on_source_event, l);
  return l;
}

void srclist_free(struct srclist *l)
{
  if (!l)
    return;
  client_set_source_event(l->client, NULL, NULL);
  if (l->resolving)
    l->plat->ops->resolve_cancel(l->plat->ctx, l->lookup);
  plat_timer timers[] = {l->retry_timer, l->work_timer, l->holdoff_timer, l->refresh_timer};
  for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++)
    if (timers[i])
      l->plat->ops->timer_cancel(l->plat->ctx, timers[i]);
  while (l->jobs)
    unlink_job(l, &l->jobs);
  while (l->named) {
    struct named *n = l->named;
    l->named = n->next;
    free(n);
  }
  free(l);
}

static bool add_name(struct srclist *l, const struct srclist_source *s, int family)
{
  struct named *n = calloc(1, sizeof(*n));
  if (!n)
    return false;
  n->params = s->params;
  n->family = family;
  n->pool = s->pool;
  n->max_sources = n->pool ? names_pool_max(s->maxsources) : 1;
  n->target = n->pool ? names_pool_target(s->maxsources) : 1;
  n->first_slot = client_add_placeholders(l->client, &n->params, (unsigned)n->target);
  if (!add_job(l, n, NULL, false)) {
    client_drop_placeholders(l->client, n->first_slot, (unsigned)n->target);
    free(n);
    return false;
  }
  n->next = l->named;
  l->named = n;
  wake(l);
  return true;
}

enum srclist_result srclist_add(struct srclist *l, const struct srclist_source *s)
{
  struct client_source_params p = s->params;
  int family = s->family != ADDR_UNSPEC ? s->family : l->family;
  if (!addr_parse(p.name, &p.addr))
    return add_name(l, s, family) ? SRCLIST_OK : SRCLIST_FAILED;
  /* Given as an address: added now, never replaced. */
  if (in_use(l, &p.addr))
    return SRCLIST_KNOWN;
  if ((family != ADDR_UNSPEC && p.addr.family != family) || client_add_source(l->client, &p) < 0)
    return SRCLIST_FAILED;
  return SRCLIST_OK;
}

/* A name can be dropped only while no lookup for it is running. */
static bool resolving(const struct srclist *l, const struct named *n)
{
  return l->resolving && l->resolving->src == n;
}

/* Forget a name: its jobs (none may be resolving), its placeholders and
 * the entry. */
static void drop_named(struct srclist *l, struct named *n)
{
  client_drop_placeholders(l->client, n->first_slot, (unsigned)n->target);
  for (struct job **p = &l->jobs; *p;) {
    if ((*p)->src == n)
      unlink_job(l, p);
    else
      p = &(*p)->next;
  }
  for (struct named **p = &l->named; *p; p = &(*p)->next)
    if (*p == n) {
      *p = n->next;
      free(n);
      return;
    }
}

/* A name's source or placeholder in this slot was deleted. As chronyd's:
 * it is gone for good, not resolved again; the name keeps the others (a
 * pool its placeholders, which it resolves on), its maxsources at most
 * what it has left, and is forgotten with the last one. */
static void slot_deleted(struct srclist *l, struct named *n, client_slot slot)
{
  n->deleted[slot - n->first_slot] = true;
  int left = n->n_members + open_slots(n);
  if (n->max_sources > left)
    n->max_sources = left;
  if (left == 0 && !resolving(l, n))
    drop_named(l, n);
}

enum srclist_result srclist_delete(struct srclist *l, const struct ip_addr *addr)
{
  client_slot slot;
  if (client_placeholder_slot(l->client, addr, &slot)) {
    client_drop_placeholders(l->client, slot, 1);
    for (struct named *n = l->named; n; n = n->next)
      if (slot >= n->first_slot && slot - n->first_slot < (client_slot)n->target) {
        slot_deleted(l, n, slot);
        break;
      }
    return SRCLIST_OK;
  }
  int i = client_find_source(l->client, addr);
  if (i < 0)
    return SRCLIST_UNKNOWN;
  client_remove_source(l->client, (unsigned)i);
  for (struct named *n = l->named; n; n = n->next) {
    int m = member_index(n, addr);
    if (m < 0)
      continue;
    slot = n->slot[m];
    forget_member(n, m);
    slot_deleted(l, n, slot);
    break;
  }
  return SRCLIST_OK;
}

void srclist_remove(struct srclist *l, const struct srclist_source *s)
{
  struct ip_addr a;
  if (addr_parse(s->params.name, &a)) {
    srclist_delete(l, &a);
    return;
  }
  for (struct named *n = l->named; n; n = n->next) {
    if (strcmp(n->params.name, s->params.name) != 0 || n->pool != s->pool || resolving(l, n))
      continue;
    for (int m = n->n_members - 1; m >= 0; m--) {
      int i = client_find_source(l->client, &n->members[m]);
      if (i >= 0)
        client_remove_source(l->client, (unsigned)i);
    }
    drop_named(l, n);
    return;
  }
}

/* chronyc refresh: every source of every name (pools' too, as chronyd's
 * NSR_RefreshAddresses). */
void srclist_refresh(struct srclist *l)
{
  for (struct named *n = l->named; n; n = n->next)
    for (int m = 0; m < n->n_members; m++)
      add_job(l, n, &n->members[m], true);
  wake(l);
}

/* chronyd's maybe_refresh_source: once per interval, the source whose name
 * was looked up for it the longest ago, unless that was within the
 * interval (then wait until it was not). */
static void on_refresh_timer(void *arg)
{
  struct srclist *l = arg;
  struct named *oldest = NULL;
  int om = 0;
  struct timespec now;
  double wait = l->refresh;
  l->plat->ops->now(l->plat->ctx, &now);
  for (struct named *n = l->named; n; n = n->next)
    for (int m = 0; m < n->n_members; m++)
      if (!oldest ||
          timespec_diff(&n->last_resolving[m], &oldest->last_resolving[om]) < 0.0) {
        oldest = n;
        om = m;
      }
  if (oldest) {
    double age = timespec_diff(&now, &oldest->last_resolving[om]);
    if (age >= 0.0 && age < l->refresh) {
      wait = l->refresh - age;
    } else {
      add_job(l, oldest, &oldest->members[om], true);
      wake(l);
    }
  }
  l->refresh_timer = l->plat->ops->timer_add(l->plat->ctx, wait, on_refresh_timer, l);
}

void srclist_set_refresh(struct srclist *l, int interval)
{
  if (l->refresh_timer)
    l->plat->ops->timer_cancel(l->plat->ctx, l->refresh_timer);
  l->refresh_timer = 0;
  l->refresh = interval > 0 ? interval : 0;
  if (l->refresh)
    l->refresh_timer = l->plat->ops->timer_add(l->plat->ctx, l->refresh, on_refresh_timer, l);
}
