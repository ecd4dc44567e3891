/* conf_ctx: where the parser is (file, line, directive) and how it reports.
 *
 * Messages read "FILE:LINE: directive: text". The list keeps at most
 * CONF_DIAG_MAX messages (then one saying the rest were dropped) but counts
 * every error, so a huge bad file cannot exhaust memory. */
#ifndef STRATUM_CONF_CTX_H
#define STRATUM_CONF_CTX_H

#include "conf/config.h"

#define CONF_DIAG_MAX 1000

struct conf_loader;   /* include/confdir state, see conf_include.h */

struct conf_ctx {
  struct conf_diag *diag;
  const char *file;
  int line;
  const char *directive;        /* canonical name, or as written if unknown */
  struct conf_loader *loader;   /* NULL: include and confdir read no file */
  bool lenient;                 /* errors are reported as warnings */
};

/* Handlers of directives: argv holds the arguments after the directive
 * name. They report problems through x and return false on an error. */
typedef bool conf_parse_fn(struct conf_ctx *x, struct config *c, int argc,
                           const char *const *argv);
typedef void conf_print_fn(const struct config *c, FILE *out);

void conf_error(struct conf_ctx *x, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
void conf_warn(struct conf_ctx *x, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
/* A warning with the same directive and text is added only once per list. */
void conf_warn_once(struct conf_ctx *x, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
/* A message without file position, e.g. for a file that cannot be opened. */
void conf_diag_add(struct conf_diag *d, enum conf_severity sev, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

#endif
