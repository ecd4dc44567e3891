/* conf_fields: tables of typed fields, so that one engine parses and prints
 * both single-value directives ("maxdistance 3") and chrony's option lists
 * ("server NAME iburst minpoll 4 ...").
 *
 * A field names a member of a struct by offset and gives its type and range;
 * the member must have the C type the conf_type comment states. */
#ifndef STRATUM_CONF_FIELDS_H
#define STRATUM_CONF_FIELDS_H

#include <stddef.h>
#include <stdio.h>

#include "conf/conf_ctx.h"

struct conf_request_slot;

enum conf_type {
  CONF_T_FLAG,      /* bool, no value: set to true */
  CONF_T_SET,       /* int, no value: set to (int)min */
  CONF_T_INT,       /* int in [min, max] */
  CONF_T_U16,       /* uint16_t port 0-65535 */
  CONF_T_U32,       /* uint32_t in [min, max] */
  CONF_T_U64,       /* uint64_t */
  CONF_T_DOUBLE,    /* double */
  CONF_T_STRING,    /* char *, heap copy */
  CONF_T_KEYWORD,   /* int (an enum) indexing keywords[] */
  CONF_T_REFID,     /* uint32_t, 1 to 4 characters packed big-endian */
  CONF_T_CUSTOM,    /* parse()/print() below */
};

struct conf_field {
  const char *name;
  enum conf_type type;
  size_t offset;
  double min, max;
  const char *const *keywords;
  int n_keywords;
  /* CUSTOM: parse one value; print " name value" items if there are any. */
  bool (*parse)(struct conf_ctx *x, void *obj, const char *opt, const char *value);
  void (*print)(FILE *out, const void *obj);
  bool always;      /* print even when equal to the default */
  /* Source options: where chronyc's add request carries the value (see
   * conf_source.c); NULL: it cannot. */
  const struct conf_request_slot *request;
};

/* Whether the field is followed by a value word. */
bool conf_field_has_value(const struct conf_field *f);
/* Store value (NULL for FLAG and SET) into obj. opt prefixes messages. */
bool conf_field_parse(struct conf_ctx *x, const struct conf_field *f, void *obj,
                      const char *opt, const char *value);
void conf_field_print_value(FILE *out, const struct conf_field *f, const void *obj);
bool conf_field_equal(const struct conf_field *f, const void *a, const void *b);

/* Parse "name [value]" options in any order (names are case-insensitive). */
bool conf_options_parse(struct conf_ctx *x, const struct conf_field *fields, size_t n,
                        void *obj, int argc, const char *const *argv);
/* Print " name [value]" for each field that differs from def or is `always`. */
void conf_options_print(FILE *out, const struct conf_field *fields, size_t n,
                        const void *obj, const void *def);

#endif
