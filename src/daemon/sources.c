#include "daemon/sources.h"

#include <stdlib.h>
#include <string.h>

#include "conf/conf_client.h"
#include "conf/conf_source.h"
#include "core/addr.h"
#include "sys/log.h"

/* Sources that could not be added in one batch (a config, a reload): the
 * first few by name, the rest counted, so 10^5 lines past the limit log
 * a dozen lines. */
#define FAILURES_NAMED 10

static enum srclist_result add_one(struct srclist *l, const struct conf_source *cs)
{
  struct srclist_source s;
  conf_srclist_source(cs, &s);
  return srclist_add(l, &s);
}

/* chronyd 4.8's words for a source a command or a sourcedir file added
 * or removed (at start it says nothing of the configuration file's): a
 * pool by its name, once (a pool of an address is a source to chronyd). */
static void log_change(const struct conf_source *cs, bool added)
{
  struct ip_addr a;
  bool pool = cs->type == CONF_POOL && !addr_parse(cs->name, &a);
  log_printf(PLAT_LOG_INFO, "%s %s %s", added ? "Added" : "Removed", pool ? "pool" : "source",
             cs->name);
}

/* told: log an addition (not at start). */
static void add_counted(struct srclist *l, const struct conf_source *cs, unsigned *failures,
                        bool told)
{
  enum srclist_result r = add_one(l, cs);
  if (r == SRCLIST_FAILED && (*failures)++ < FAILURES_NAMED)
    log_printf(PLAT_LOG_ERR, "Could not add source %s", cs->name);
  if (r == SRCLIST_OK && told)
    log_change(cs, true);
}

static void log_failures(unsigned failures)
{
  if (failures > FAILURES_NAMED)
    log_printf(PLAT_LOG_ERR, "Could not add %u more sources", failures - FAILURES_NAMED);
}

void sources_add(struct srclist *l, const struct config *cfg, bool from_files)
{
  unsigned failures = 0;
  for (unsigned i = 0; i < cfg->n_sources; i++)
    add_counted(l, &cfg->sources[i], &failures, from_files);
  log_failures(failures);
}

enum srclist_result sources_add_one(struct srclist *l, const struct conf_source *cs)
{
  enum srclist_result r = add_one(l, cs);
  if (r == SRCLIST_FAILED)
    log_printf(PLAT_LOG_ERR, "Could not add source %s", cs->name);
  if (r == SRCLIST_OK)
    log_change(cs, true);
  return r;
}

/* The sources of a configuration file and of its sourcedir files, one
 * list: source i of the pair. */
struct pair {
  const struct config *conf, *dir;
};

static unsigned pair_n(const struct pair *p)
{
  return p->conf->n_sources + p->dir->n_sources;
}

static const struct conf_source *pair_at(const struct pair *p, unsigned i)
{
  return i < p->conf->n_sources ? &p->conf->sources[i]
                                : &p->dir->sources[i - p->conf->n_sources];
}

/* The normalised lines of a pair's sources: lines[i] is source i's (NULL
 * if out of memory), sorted[] the non-NULL ones in order, so that a reload
 * of thousands of lines is not quadratic. */
struct source_lines {
  char **lines, **sorted;
  unsigned n, n_sorted;
};

static int compare_lines(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void lines_of(const struct pair *p, struct source_lines *l)
{
  unsigned n = pair_n(p);
  *l = (struct source_lines){0};
  l->lines = calloc(n + 1, sizeof(*l->lines));
  l->sorted = calloc(n + 1, sizeof(*l->sorted));
  if (!l->lines || !l->sorted)
    return;
  l->n = n;
  for (unsigned i = 0; i < n; i++)
    if ((l->lines[i] = conf_source_line(pair_at(p, i))))
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
static void remove_line(struct srclist *l, const struct conf_source *cs)
{
  struct srclist_source s;
  conf_srclist_source(cs, &s);
  srclist_remove(l, &s);
  log_change(cs, false);
}

void sources_reload(struct srclist *l, const struct config *old_conf, const struct config *old_dir,
                    const struct config *new_conf, const struct config *new_dir)
{
  struct pair old = {old_conf, old_dir}, now = {new_conf, new_dir};
  struct source_lines lo, ln;
  unsigned failures = 0;
  lines_of(&old, &lo);
  lines_of(&now, &ln);
  for (unsigned i = 0; i < pair_n(&old); i++)
    if (!listed(&ln, &lo, i))
      remove_line(l, pair_at(&old, i));
  for (unsigned i = 0; i < pair_n(&now); i++)
    if (!listed(&lo, &ln, i))
      add_counted(l, pair_at(&now, i), &failures, true);
  log_failures(failures);
  lines_free(&lo);
  lines_free(&ln);
}
