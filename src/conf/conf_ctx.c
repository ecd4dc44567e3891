#include "conf/conf_ctx.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_mem.h"
#include "core/logfmt.h"

static void add_text(struct conf_diag *d, enum conf_severity sev, const char *text)
{
  if (sev == CONF_ERROR)
    d->n_errors++;
  if (d->n > CONF_DIAG_MAX)
    return;
  struct conf_message *m = conf_append(&d->items, &d->n, sizeof(*m));
  m->severity = sev;
  if (d->n > CONF_DIAG_MAX)
    text = "too many messages, the rest are not shown";
  snprintf(m->text, sizeof(m->text), "%s", text);
  logfmt_clean(m->text);
}

static void add_at(struct conf_ctx *x, enum conf_severity sev, const char *what)
{
  char text[sizeof(((struct conf_message *)0)->text)];
  snprintf(text, sizeof(text), "%s:%d: %s: %s", x->file, x->line, x->directive, what);
  add_text(x->diag, sev, text);
}

void conf_error(struct conf_ctx *x, const char *fmt, ...)
{
  char what[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  add_at(x, x->lenient ? CONF_WARNING : CONF_ERROR, what);
}

void conf_warn(struct conf_ctx *x, const char *fmt, ...)
{
  char what[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  add_at(x, CONF_WARNING, what);
}

/* Does message m end with ": <tail>" after its FILE:LINE prefix? */
/* Whether m is "FILE:LINE: " then tail: the line number right before it,
 * so "server: ntsport: ..." (an option) is not the directive ntsport's. */
static bool ends_with_tail(const struct conf_message *m, const char *tail)
{
  size_t len = strlen(m->text), tlen = strlen(tail);
  return len > tlen + 3 && strcmp(m->text + len - tlen, tail) == 0 &&
         m->text[len - tlen - 1] == ' ' && m->text[len - tlen - 2] == ':' &&
         isdigit((unsigned char)m->text[len - tlen - 3]);
}

void conf_warn_once(struct conf_ctx *x, const char *fmt, ...)
{
  char what[400], tail[460];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  snprintf(tail, sizeof(tail), "%s: %s", x->directive, what);
  for (unsigned i = 0; i < x->diag->n; i++) {
    if (x->diag->items[i].severity == CONF_WARNING && ends_with_tail(&x->diag->items[i], tail))
      return;
  }
  add_at(x, CONF_WARNING, what);
}

void conf_diag_add(struct conf_diag *d, enum conf_severity sev, const char *fmt, ...)
{
  char text[sizeof(((struct conf_message *)0)->text)];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  add_text(d, sev, text);
}

void conf_diag_free(struct conf_diag *d)
{
  free(d->items);
  d->items = NULL;
  d->n = d->n_errors = 0;
}
