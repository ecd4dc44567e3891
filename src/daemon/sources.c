#include "daemon/sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf_client.h"
#include "conf/conf_source.h"
#include "core/names.h"
#include "sys/log.h"

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
  bool answered[NAMES_MAX_POOL];
  int n_members;
  struct named *next;
};

/* A name waiting to be resolved: to add sources, or to replace one. */
struct job {
  struct named *src;
  bool replace;
  struct ip_addr old;                    /* the source to replace */
  struct job *next;
};

struct sources {
  struct loop *loop;
  const struct platform *plat;
  struct client *client;
  int family;
  struct named *named;
  struct job *jobs;                      /* in the order they came */
  struct job **jobs_tail;                /* where the next one goes */
  struct job *resolving;                 /* whose lookup is running; NULL: none */
  plat_lookup lookup;                    /* ...and the lookup */
  int retry_exponent;                    /* see names_retry_delay */
  uint64_t retry_timer;                  /* the next round */
  uint64_t work_timer;                   /* what source events asked for */
  bool wake;                             /* a replacement job is waiting */
  double next_replacement;               /* CLOCK_MONOTONIC s */
};

static void on_source_event(void *arg, const struct ip_addr *addr, enum client_source_event ev);

/* maxchange gave up: exit with an error, as chronyd does. */
static void on_give_up(void *arg)
{
  struct sources *s = arg;
  loop_quit(s->loop, 1);
}

void sources_client_params(const struct config *cfg, bool control, struct sources *s,
                           struct client_params *p)
{
  conf_client_params(cfg, control, p);
  p->source_event = on_source_event;
  p->give_up = on_give_up;
  p->event_arg = s;
}

/* --- resolving --- */

static double monotonic_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint32_t random_u32(const struct sources *s)
{
  uint32_t r;
  s->plat->ops->random_bytes(s->plat->ctx, &r, sizeof(r));
  return r;
}

static bool in_use(void *arg, const struct ip_addr *a)
{
  const struct sources *s = arg;
  return client_find_source(s->client, a) >= 0;
}

static int member_index(const struct named *n, const struct ip_addr *a)
{
  for (int m = 0; m < n->n_members; m++)
    if (addr_equal(&n->members[m], a))
      return m;
  return -1;
}

static bool is_resolved(const struct named *n)
{
  return n->complete || n->n_members >= n->target;
}

/* Unlink and free the job the link p points to. */
static void unlink_job(struct sources *s, struct job **p)
{
  struct job *j = *p;
  *p = j->next;
  if (s->jobs_tail == &j->next)
    s->jobs_tail = p;
  free(j);
}

static void remove_job(struct sources *s, struct job *j)
{
  for (struct job **p = &s->jobs; *p; p = &(*p)->next) {
    if (*p == j) {
      unlink_job(s, p);
      return;
    }
  }
}

static void add_members(struct sources *s, struct named *n, const struct ip_addr *addrs, int count)
{
  char a[ADDR_STR_LEN];
  struct ip_addr picked[NAMES_MAX_POOL];
  int want = n->complete ? 0 : n->target - n->n_members;
  int k = names_pick(addrs, count, 0, in_use, s, picked, want);
  for (int i = 0; i < k; i++) {
    struct client_source_params p = n->params;
    p.addr = picked[i];
    if (client_add_source(s->client, &p) < 0) {
      log_printf(PLAT_LOG_ERR, "Could not add source %s", n->params.name);
      return;
    }
    log_printf(PLAT_LOG_DEBUG, "Added source %s (%s)", addr_format(&p.addr, a), n->params.name);
    n->members[n->n_members] = picked[i];
    n->answered[n->n_members++] = false;
  }
}

static void replace_member(struct sources *s, struct named *n, const struct ip_addr *old,
                           const struct ip_addr *addrs, int count)
{
  struct ip_addr picked;
  int i = client_find_source(s->client, old), m = member_index(n, old);
  /* A random start, not to get stuck with the same unusable servers. */
  if (i < 0 || m < 0 || names_pick(addrs, count, random_u32(s), in_use, s, &picked, 1) == 0)
    return;
  client_replace_source(s->client, (unsigned)i, &picked);
  n->members[m] = picked;
  n->answered[m] = false;
}

static void lookup(struct sources *s);

static void on_retry_timer(void *arg)
{
  struct sources *s = arg;
  s->retry_timer = 0;
  /* chronyd's round: drop what needs no resolving any more, then resolve
   * the rest one name after the other. */
  for (struct job **p = &s->jobs; *p;) {
    if (!(*p)->replace && is_resolved((*p)->src))
      unlink_job(s, p);
    else
      p = &(*p)->next;
  }
  s->resolving = s->jobs;
  if (s->resolving)
    lookup(s);
}

static void end_round(struct sources *s)
{
  if (!s->jobs) {
    s->retry_exponent = 0;
    return;
  }
  double delay = names_retry_delay(&s->retry_exponent);
  log_printf(PLAT_LOG_DEBUG, "Resolving again in %.0f seconds", delay);
  s->retry_timer = loop_add_timer(s->loop, delay, on_retry_timer, s);
}

static void on_resolved(void *arg, const struct ip_addr *addrs, int n, const char *error)
{
  struct sources *s = arg;
  struct job *j = s->resolving;
  struct named *src = j->src;

  log_printf(PLAT_LOG_DEBUG, "%s resolved to %d addrs", src->params.name, n);
  if (n > 0 && j->replace)
    replace_member(s, src, &j->old, addrs, n);
  else if (n > 0)
    add_members(s, src, addrs, n);
  else if (!j->replace && !src->warned) {
    log_printf(PLAT_LOG_WARN, "Could not resolve address of %s : %s", src->params.name, error);
    src->warned = true;
  }

  struct job *next = j->next;
  if (j->replace || is_resolved(src))
    remove_job(s, j);
  s->resolving = next;
  if (next)
    lookup(s);
  else
    end_round(s);
}

static void lookup(struct sources *s)
{
  const struct named *n = s->resolving->src;
  s->lookup = s->plat->ops->resolve(s->plat->ctx, n->params.name, n->family, NAMES_MAX_POOL,
                                    on_resolved, s);
  if (!s->lookup) {
    log_printf(PLAT_LOG_ERR, "Could not resolve address of %s : no resolver", n->params.name);
    s->resolving = NULL;
    end_round(s);
  }
}

/* A job came: resolve now, unless a round is running (it gets there). */
static void resolve_soon(struct sources *s)
{
  if (s->resolving)
    return;
  if (s->retry_timer) {
    loop_cancel_timer(s->loop, s->retry_timer);
    s->retry_timer = 0;
    s->retry_exponent--;
  }
  on_retry_timer(s);
}

static bool add_job(struct sources *s, struct named *n, const struct ip_addr *old)
{
  struct job *j = calloc(1, sizeof(*j));
  if (!j)
    return false;
  j->src = n;
  j->replace = old != NULL;
  if (old)
    j->old = *old;
  *s->jobs_tail = j;
  s->jobs_tail = &j->next;
  return true;
}

/* --- what the client reports --- */

/* Remove the sources of a pool that had not answered when it completed. */
static void trim(struct sources *s, struct named *n)
{
  char a[ADDR_STR_LEN];
  n->trim = false;
  for (int m = n->n_members - 1; m >= 0; m--) {
    if (n->answered[m])
      continue;
    int i = client_find_source(s->client, &n->members[m]);
    if (i >= 0)
      client_remove_source(s->client, (unsigned)i);
    log_printf(PLAT_LOG_DEBUG, "Removed tentative source %s (%s)",
               addr_format(&n->members[m], a), n->params.name);
    n->n_members--;
    memmove(&n->members[m], &n->members[m + 1], (n->n_members - m) * sizeof(n->members[0]));
    memmove(&n->answered[m], &n->answered[m + 1], (n->n_members - m) * sizeof(n->answered[0]));
  }
}

/* The client's changes wait for this timer: source events come from inside
 * the client. */
static void on_work_timer(void *arg)
{
  struct sources *s = arg;
  s->work_timer = 0;
  for (struct named *n = s->named; n; n = n->next)
    if (n->trim)
      trim(s, n);
  if (s->wake) {
    s->wake = false;
    resolve_soon(s);
  }
}

static void schedule_work(struct sources *s)
{
  if (!s->work_timer)
    s->work_timer = loop_add_timer(s->loop, 0.0, on_work_timer, s);
}

/* A source's first sample. Once max_sources have answered, the others stay
 * tentative: chronyd removes them at the reply that completed the pool, so
 * it never takes their replies. Here the removal waits for the work timer,
 * and a reply read in the same pass of the loop (two servers answering
 * together) must not save its source from it. */
static void answered(struct sources *s, struct named *n, int m)
{
  int count = 0;
  if (n->complete)
    return;
  n->answered[m] = true;
  for (int i = 0; i < n->n_members; i++)
    count += n->answered[i];
  if (n->pool && !n->complete && count >= n->max_sources) {
    n->complete = n->trim = true;
    schedule_work(s);
  }
}

/* chronyd's NSR_HandleBadSource: not too often, and only names. */
static void replace_later(struct sources *s, struct named *n, const struct ip_addr *addr)
{
  char a[ADDR_STR_LEN];
  double now = monotonic_now();
  if (now < s->next_replacement)
    return;
  s->next_replacement = now + names_replace_holdoff(random_u32(s));
  log_printf(PLAT_LOG_DEBUG, "Trying to replace %s (%s)", addr_format(addr, a), n->params.name);
  if (add_job(s, n, addr)) {
    s->wake = true;
    schedule_work(s);
  }
}

static void on_source_event(void *arg, const struct ip_addr *addr, enum client_source_event ev)
{
  struct sources *s = arg;
  for (struct named *n = s->named; n; n = n->next) {
    int m = member_index(n, addr);
    if (m < 0)
      continue;
    if (ev == CLIENT_SOURCE_ANSWERED)
      answered(s, n, m);
    else
      replace_later(s, n, addr);
    return;
  }
  /* Given by address: chronyd never replaces those. */
}

/* --- public --- */

struct sources *sources_new(struct loop *loop, const struct platform *plat, int family)
{
  struct sources *s = calloc(1, sizeof(*s));
  if (!s)
    return NULL;
  *s = (struct sources){.loop = loop, .plat = plat, .family = family, .jobs_tail = &s->jobs};
  return s;
}

void sources_free(struct sources *s)
{
  if (!s)
    return;
  if (s->resolving)
    s->plat->ops->resolve_cancel(s->plat->ctx, s->lookup);
  if (s->retry_timer)
    loop_cancel_timer(s->loop, s->retry_timer);
  if (s->work_timer)
    loop_cancel_timer(s->loop, s->work_timer);
  while (s->jobs)
    remove_job(s, s->jobs);
  while (s->named) {
    struct named *n = s->named;
    s->named = n->next;
    free(n);
  }
  free(s);
}

/* A source given as an address: added now, never replaced. */
static bool add_address(struct sources *s, const struct client_source_params *p, int family)
{
  return (family == ADDR_UNSPEC || p->addr.family == family) && !in_use(s, &p->addr) &&
         client_add_source(s->client, p) >= 0;
}

static bool add_name(struct sources *s, const struct conf_source *cs,
                     const struct client_source_params *p, int family)
{
  struct named *n = calloc(1, sizeof(*n));
  if (!n)
    return false;
  n->params = *p;
  n->family = family;
  n->pool = cs->type == CONF_POOL;
  n->max_sources = n->pool ? names_pool_max(cs->maxsources) : 1;
  n->target = n->pool ? names_pool_target(cs->maxsources) : 1;
  if (!add_job(s, n, NULL)) {
    free(n);
    return false;
  }
  n->next = s->named;
  s->named = n;
  return true;
}

static enum sources_result add_one(struct sources *s, const struct conf_source *cs)
{
  struct client_source_params p;
  int family = cs->family != ADDR_UNSPEC ? cs->family : s->family;
  conf_source_client_params(cs, &p);
  if (addr_parse(cs->name, &p.addr)) {
    if (in_use(s, &p.addr))
      return SOURCES_KNOWN;
    return add_address(s, &p, family) ? SOURCES_OK : SOURCES_FAILED;
  }
  return add_name(s, cs, &p, family) ? SOURCES_OK : SOURCES_FAILED;
}

/* Sources that could not be added in one batch (a config, a reload): the
 * first few by name, the rest counted, so 10^5 lines past the limit log
 * a dozen lines. */
#define FAILURES_NAMED 10

static void add_counted(struct sources *s, const struct conf_source *cs, unsigned *failures)
{
  if (add_one(s, cs) == SOURCES_FAILED && (*failures)++ < FAILURES_NAMED)
    log_printf(PLAT_LOG_ERR, "Could not add source %s", cs->name);
}

static void log_failures(unsigned failures)
{
  if (failures > FAILURES_NAMED)
    log_printf(PLAT_LOG_ERR, "Could not add %u more sources", failures - FAILURES_NAMED);
}

void sources_add(struct sources *s, const struct config *cfg, struct client *c)
{
  unsigned failures = 0;
  s->client = c;
  for (unsigned i = 0; i < cfg->n_sources; i++)
    add_counted(s, &cfg->sources[i], &failures);
  log_failures(failures);
  resolve_soon(s);
}

enum sources_result sources_add_one(struct sources *s, const struct conf_source *cs)
{
  enum sources_result r = add_one(s, cs);
  if (r == SOURCES_OK)
    resolve_soon(s);
  else if (r == SOURCES_FAILED)
    log_printf(PLAT_LOG_ERR, "Could not add source %s", cs->name);
  return r;
}

/* Forget a name: its jobs (none may be resolving) and the entry. */
static void drop_named(struct sources *s, struct named *n)
{
  for (struct job **p = &s->jobs; *p;) {
    if ((*p)->src == n)
      unlink_job(s, p);
    else
      p = &(*p)->next;
  }
  for (struct named **p = &s->named; *p; p = &(*p)->next)
    if (*p == n) {
      *p = n->next;
      free(n);
      return;
    }
}

/* A name can be dropped only while no lookup for it is running. */
static bool resolving(const struct sources *s, const struct named *n)
{
  return s->resolving && s->resolving->src == n;
}

enum sources_result sources_delete(struct sources *s, const struct ip_addr *addr)
{
  int i = client_find_source(s->client, addr);
  if (i < 0)
    return SOURCES_UNKNOWN;
  client_remove_source(s->client, (unsigned)i);
  for (struct named *n = s->named; n; n = n->next) {
    int m = member_index(n, addr);
    if (m < 0)
      continue;
    n->n_members--;
    memmove(&n->members[m], &n->members[m + 1], (n->n_members - m) * sizeof(n->members[0]));
    memmove(&n->answered[m], &n->answered[m + 1], (n->n_members - m) * sizeof(n->answered[0]));
    /* chronyd: the source is gone, not re-resolved */
    if (n->n_members == 0 && !resolving(s, n))
      drop_named(s, n);
    break;
  }
  return SOURCES_OK;
}

/* The normalised lines of a configuration's sources: lines[i] is source
 * i's (NULL if out of memory), sorted[] the non-NULL ones in order, so that
 * a reload of thousands of lines is not quadratic. */
struct source_lines {
  char **lines, **sorted;
  unsigned n, n_sorted;
};

static int compare_lines(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void lines_of(const struct config *c, struct source_lines *l)
{
  *l = (struct source_lines){0};
  l->lines = calloc(c->n_sources + 1, sizeof(*l->lines));
  l->sorted = calloc(c->n_sources + 1, sizeof(*l->sorted));
  if (!l->lines || !l->sorted)
    return;
  l->n = c->n_sources;
  for (unsigned i = 0; i < c->n_sources; i++)
    if ((l->lines[i] = conf_source_line(&c->sources[i])))
      l->sorted[l->n_sorted++] = l->lines[i];
  qsort(l->sorted, l->n_sorted, sizeof(*l->sorted), compare_lines);
}

static void lines_free(struct source_lines *l)
{
  for (unsigned i = 0; i < l->n; i++)
    free(l->lines[i]);
  free(l->lines);
  free(l->sorted);
}

/* Is line i of `from` also in `in`? (Unknown lines never are.) */
static bool listed(const struct source_lines *in, const struct source_lines *from, unsigned i)
{
  return from->lines && from->lines[i] &&
         bsearch(&from->lines[i], in->sorted, in->n_sorted, sizeof(*in->sorted), compare_lines);
}

/* Remove what one configured line added. */
static void remove_line(struct sources *s, const struct conf_source *cs)
{
  struct ip_addr a;
  if (addr_parse(cs->name, &a)) {
    sources_delete(s, &a);
    return;
  }
  for (struct named *n = s->named; n; n = n->next) {
    if (strcmp(n->params.name, cs->name) != 0 || n->pool != (cs->type == CONF_POOL) ||
        resolving(s, n))
      continue;
    for (int m = n->n_members - 1; m >= 0; m--) {
      int i = client_find_source(s->client, &n->members[m]);
      if (i >= 0)
        client_remove_source(s->client, (unsigned)i);
    }
    drop_named(s, n);
    return;
  }
}

void sources_reload(struct sources *s, const struct config *old, const struct config *now)
{
  struct source_lines lo, ln;
  unsigned failures = 0;
  lines_of(old, &lo);
  lines_of(now, &ln);
  for (unsigned i = 0; i < old->n_sources; i++)
    if (!listed(&ln, &lo, i))
      remove_line(s, &old->sources[i]);
  for (unsigned i = 0; i < now->n_sources; i++)
    if (!listed(&lo, &ln, i))
      add_counted(s, &now->sources[i], &failures);
  log_failures(failures);
  lines_free(&lo);
  lines_free(&ln);
  resolve_soon(s);
}

void sources_refresh(struct sources *s)
{
  for (struct named *n = s->named; n; n = n->next)
    if (!n->pool)
      for (int m = 0; m < n->n_members; m++)
        add_job(s, n, &n->members[m]);
  resolve_soon(s);
}

int sources_unresolved(const struct sources *s)
{
  int count = 0;
  /* chronyd holds a not yet resolved pool as 2 x maxsources (at most 16)
   * placeholder sources, and counts each. */
  for (const struct named *n = s->named; n; n = n->next)
    count += n->n_members == 0 ? n->target : 0;
  return count;
}
