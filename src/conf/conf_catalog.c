#include "conf/conf_catalog.h"

#include "conf/conf_directives.h"
#include "conf/conf_fields.h"
#include "conf/conf_source.h"

static const char *directive_status(const struct conf_directive *d)
{
  if (d->obsolete)
    return d->silent ? "obsolete-silent" : "obsolete";
  return "acted";
}

/* A flag that makes conf_source_refused() refuse the source. */
static bool refuses(const struct conf_field *f)
{
  struct conf_source s;
  if (f->type != CONF_T_FLAG)
    return false;
  conf_source_defaults(&s, CONF_SERVER);
  *(bool *)((char *)&s + f->offset) = true;
  return conf_source_refused(&s) != NULL;
}

void conf_catalog_print(FILE *out)
{
  for (unsigned i = 0; i < conf_directive_count(); i++) {
    const struct conf_directive *d = conf_directive_at(i);
    fprintf(out, "directive\t%s\t%s\n", d->name, directive_status(d));
  }
  size_t n;
  const struct conf_field *options = conf_source_options(&n);
  for (size_t i = 0; i < n; i++) {
    const struct conf_field *f = &options[i];
    fprintf(out, "option\tserver\t%s\t%s\n", f->name,
            refuses(f) ? "refused" : "acted");
  }
}
