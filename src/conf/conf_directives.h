/* conf_directives: the table of chrony.conf directives.
 *
 * Each entry either lists positional arguments as typed fields of struct
 * config (parsed and printed by one generic engine) or names a parse and a
 * print function. The daemon acts on each, except the obsolete ones,
 * which are accepted with chronyd's warning (or without, as chronyd). */
#ifndef STRATUM_CONF_DIRECTIVES_H
#define STRATUM_CONF_DIRECTIVES_H

#include "conf/conf_ctx.h"
#include "conf/conf_fields.h"
#include "conf/conf_lexer.h"

struct conf_directive {
  const char *name;
  bool obsolete;                  /* accepted with chrony's warning, ignored */
  bool silent;                    /* ...without the warning, as chronyd */
  bool alias;                     /* another name of the entry before it: not printed */
  bool runtime;                   /* a reload applies a change (conf_diff.h); else a
                                   * change needs a restart */
  const struct conf_field *args;  /* positional arguments, when parse is NULL; a FLAG
                                   * without a name is set by the directive itself, a
                                   * named FLAG is an optional keyword */
  unsigned n_args;
  conf_parse_fn *parse;
  conf_print_fn *print;
};

/* Case-insensitive lookup; NULL if unknown. */
const struct conf_directive *conf_directive_find(const char *name);
/* Entries in table (and print) order, for tests and documentation. */
const struct conf_directive *conf_directive_at(unsigned i);
unsigned conf_directive_count(void);

/* Parse one line at x->file:x->line into c. */
void conf_directives_parse_line(struct conf_ctx *x, struct config *c,
                                const struct conf_line *line);
/* Print every directive that is set, in table order. */
void conf_directives_print(const struct config *c, FILE *out);
/* Print the lines of one entry (none if it is not set); def: a config
 * holding the defaults (conf_init). */
void conf_directive_print(const struct conf_directive *d, const struct config *c,
                          const struct config *def, FILE *out);

#endif
