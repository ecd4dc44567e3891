#include "conf/conf_nts.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>

#include "conf/conf_lexer.h"
#include "conf/conf_mem.h"
#include "conf/conf_value.h"

static const int default_aeads[] = {30, 15};

static void set_aeads(struct config *c, const int *ids, unsigned n)
{
  free(c->ntsaeads);
  c->ntsaeads = NULL;
  c->n_ntsaeads = 0;
  for (unsigned i = 0; i < n; i++)
    *(int *)conf_append(&c->ntsaeads, &c->n_ntsaeads, sizeof(int)) = ids[i];
}

void conf_ntsaeads_defaults(struct config *c)
{
  set_aeads(c, default_aeads, 2);
}

/* The list replaces the previous one; it may be empty. */
bool conf_ntsaeads_parse(struct conf_ctx *x, struct config *c, int argc, const char *const *argv)
{
  int ids[CONF_MAX_WORDS];
  for (int i = 0; i < argc; i++) {
    if (!conf_arg_int(x, NULL, argv[i], 0, INT_MAX, &ids[i]))
      return false;
  }
  set_aeads(c, ids, (unsigned)argc);
  return true;
}

void conf_ntsaeads_print(const struct config *c, FILE *out)
{
  bool is_default = c->n_ntsaeads == 2;
  for (unsigned i = 0; is_default && i < 2; i++)
    is_default = c->ntsaeads[i] == default_aeads[i];
  if (is_default)
    return;
  fputs("ntsaeads", out);
  for (unsigned i = 0; i < c->n_ntsaeads; i++)
    fprintf(out, " %d", c->ntsaeads[i]);
  fputc('\n', out);
}

static bool add_file(struct conf_ctx *x, struct conf_strings *l, int argc, const char *const *argv)
{
  if (!conf_arg_count(x, argc, 1, 1, "FILE"))
    return false;
  conf_strings_add(l, argv[0]);
  return true;
}

static void print_files(FILE *out, const char *name, const struct conf_strings *l)
{
  for (unsigned i = 0; i < l->n; i++)
    fprintf(out, "%s %s\n", name, l->v[i]);
}

bool conf_ntsservercert_parse(struct conf_ctx *x, struct config *c, int argc,
                              const char *const *argv)
{
  return add_file(x, &c->ntsservercert, argc, argv);
}

void conf_ntsservercert_print(const struct config *c, FILE *out)
{
  print_files(out, "ntsservercert", &c->ntsservercert);
}

bool conf_ntsserverkey_parse(struct conf_ctx *x, struct config *c, int argc,
                             const char *const *argv)
{
  return add_file(x, &c->ntsserverkey, argc, argv);
}

void conf_ntsserverkey_print(const struct config *c, FILE *out)
{
  print_files(out, "ntsserverkey", &c->ntsserverkey);
}

bool conf_ntstrustedcerts_parse(struct conf_ctx *x, struct config *c, int argc,
                                const char *const *argv)
{
  long long set = 0;
  if (!conf_arg_count(x, argc, 1, 2, "[SET-ID] FILE|DIRECTORY") ||
      (argc == 2 && !conf_arg_integer(x, NULL, argv[0], 0, UINT32_MAX, &set)))
    return false;
  struct conf_trusted_certs *t =
    conf_append(&c->ntstrustedcerts, &c->n_ntstrustedcerts, sizeof(*t));
  t->set = (uint32_t)set;
  t->path = conf_xstrdup(argv[argc - 1]);
  return true;
}

void conf_ntstrustedcerts_print(const struct config *c, FILE *out)
{
  for (unsigned i = 0; i < c->n_ntstrustedcerts; i++)
    fprintf(out, "ntstrustedcerts %" PRIu32 " %s\n", c->ntstrustedcerts[i].set,
            c->ntstrustedcerts[i].path);
}
