/* conf_diff: what a reload would change (see conf_diff.h). */
#include "conf/conf_diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_directives.h"
#include "conf/conf_mem.h"

/* The lines one entry prints for c, sorted (a memory stream's text split
 * in place: lines[] point into *text). */
struct printed {
  char *text;
  char **lines;
  unsigned n;
};

static int compare_lines(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_entry(const struct conf_directive *d, const struct config *c,
                        const struct config *def, struct printed *p)
{
  size_t len = 0;
  *p = (struct printed){0};
  FILE *f = open_memstream(&p->text, &len);
  if (!f)
    abort();                      /* as conf_mem.h: out of memory is not recoverable */
  conf_directive_print(d, c, def, f);
  if (fclose(f) != 0 || !p->text)
    abort();
  for (char *s = p->text; *s;) {
    char *nl = strchr(s, '\n');
    if (nl)
      *nl = '\0';
    *(char **)conf_append(&p->lines, &p->n, sizeof(*p->lines)) = s;
    s = nl ? nl + 1 : s + strlen(s);
  }
  if (p->n > 0)                   /* qsort's array may not be NULL */
    qsort(p->lines, p->n, sizeof(*p->lines), compare_lines);
}

static void printed_free(struct printed *p)
{
  free(p->text);
  free(p->lines);
}

/* The lines of a missing from b and of b missing from a, as multisets. */
static bool differ(const struct printed *a, const struct printed *b, struct conf_strings *only_a,
                   struct conf_strings *only_b)
{
  unsigned i = 0, j = 0;
  while (i < a->n || j < b->n) {
    int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->lines[i], b->lines[j]);
    if (c < 0)
      conf_strings_add(only_a, a->lines[i++]);
    else if (c > 0)
      conf_strings_add(only_b, b->lines[j++]);
    else
      i++, j++;
  }
  return only_a->n > 0 || only_b->n > 0;
}

static const struct conf_where *where_of(const struct config *c, unsigned i)
{
  return c->where && c->where[i].file ? &c->where[i] : NULL;
}

void conf_diff_compute(const struct config *started, const struct config *applied,
                       const struct config *next, struct conf_diff *out)
{
  struct config def;
  conf_init(&def);
  *out = (struct conf_diff){0};
  for (unsigned i = 0; i < conf_directive_count(); i++) {
    const struct conf_directive *d = conf_directive_at(i);
    const struct config *old = d->runtime ? applied : started;
    struct printed a, b;
    struct conf_diff_item it = {.directive = d->name};
    print_entry(d, old, &def, &a);
    print_entry(d, next, &def, &b);
    if (differ(&a, &b, &it.before, &it.after)) {
      it.change = d->runtime ? CONF_CHANGE_APPLY : CONF_CHANGE_RESTART;
      const struct conf_where *w = where_of(next, i);
      if (!w && (w = where_of(old, i)))
        it.removed = true;
      if (w) {
        it.file = w->file;
        it.line = w->line;
      }
      *(struct conf_diff_item *)conf_append(&out->items, &out->n, sizeof(it)) = it;
    } else {
      conf_strings_free(&it.before);
      conf_strings_free(&it.after);
    }
    printed_free(&a);
    printed_free(&b);
  }
  conf_free(&def);
}

void conf_diff_free(struct conf_diff *d)
{
  for (unsigned i = 0; i < d->n; i++) {
    conf_strings_free(&d->items[i].before);
    conf_strings_free(&d->items[i].after);
  }
  free(d->items);
  *d = (struct conf_diff){0};
}

const struct conf_diff_item *conf_diff_find(const struct conf_diff *d, const char *directive)
{
  for (unsigned i = 0; i < d->n; i++)
    if (strcmp(d->items[i].directive, directive) == 0)
      return &d->items[i];
  return NULL;
}

void conf_diff_describe(const struct conf_diff_item *it, char *buf, size_t size)
{
  static const char *const what[] = {
    [CONF_CHANGE_APPLY] = "run-time change", [CONF_CHANGE_RESTART] = "needs a restart"};
  if (it->file)
    snprintf(buf, size, "%s:%d: %s: %s%s", it->file, it->line, it->directive, what[it->change],
             it->removed ? " (removed)" : "");
  else
    snprintf(buf, size, "%s: %s", it->directive, what[it->change]);
}
