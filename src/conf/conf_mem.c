#include "conf/conf_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(void)
{
  fprintf(stderr, "stratum: out of memory reading the configuration\n");
  abort();
}

void *conf_xmalloc(size_t size)
{
  void *p = malloc(size ? size : 1);
  if (!p)
    out_of_memory();
  return p;
}

void *conf_xrealloc(void *p, size_t size)
{
  p = realloc(p, size ? size : 1);
  if (!p)
    out_of_memory();
  return p;
}

char *conf_xstrdup(const char *s)
{
  size_t len = strlen(s) + 1;
  return memcpy(conf_xmalloc(len), s, len);
}

void conf_set_string(char **dst, const char *s)
{
  free(*dst);
  *dst = s ? conf_xstrdup(s) : NULL;
}

void *conf_append(void *items, unsigned *n, size_t size)
{
  void **arr = items;
  unsigned count = *n;
  if ((count & (count - 1)) == 0)   /* 0, 1, 2, 4, ...: full */
    *arr = conf_xrealloc(*arr, (count ? (size_t)count * 2 : 1) * size);
  char *elem = (char *)*arr + (size_t)count * size;
  memset(elem, 0, size);
  *n = count + 1;
  return elem;
}

const char *conf_intern(struct config *c, const char *name)
{
  for (unsigned i = 0; i < c->files.n; i++) {
    if (strcmp(c->files.v[i], name) == 0)
      return c->files.v[i];
  }
  conf_strings_add(&c->files, name);
  return c->files.v[c->files.n - 1];
}

void conf_strings_add(struct conf_strings *l, const char *s)
{
  char **slot = conf_append(&l->v, &l->n, sizeof(*l->v));
  *slot = conf_xstrdup(s);
}

void conf_strings_free(struct conf_strings *l)
{
  for (unsigned i = 0; i < l->n; i++)
    free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}
