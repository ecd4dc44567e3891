#include "conf/conf_fields.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf_mem.h"
#include "conf/conf_value.h"

#define MEMBER(type, obj, f) ((type *)((char *)(obj) + (f)->offset))
#define CMEMBER(type, obj, f) ((const type *)((const char *)(obj) + (f)->offset))

bool conf_field_has_value(const struct conf_field *f)
{
  return f->type != CONF_T_FLAG && f->type != CONF_T_SET;
}

static bool parse_refid(struct conf_ctx *x, const char *opt, const char *s, uint32_t *out)
{
  size_t len = strlen(s);
  if (len == 0 || len > 4) {
    conf_expected(x, opt, "a reference ID of 1 to 4 characters", s);
    return false;
  }
  *out = 0;
  for (size_t i = 0; i < len; i++)
    *out |= (uint32_t)(unsigned char)s[i] << (24 - 8 * i);
  return true;
}

bool conf_field_parse(struct conf_ctx *x, const struct conf_field *f, void *obj,
                      const char *opt, const char *value)
{
  long long v;
  switch (f->type) {
  case CONF_T_FLAG:
    *MEMBER(bool, obj, f) = true;
    return true;
  case CONF_T_SET:
    *MEMBER(int, obj, f) = (int)f->min;
    return true;
  case CONF_T_INT:
    return conf_arg_int(x, opt, value, (int)f->min, (int)f->max, MEMBER(int, obj, f));
  case CONF_T_U16:
    return conf_arg_port(x, opt, value, MEMBER(uint16_t, obj, f));
  case CONF_T_U32:
    if (!conf_arg_integer(x, opt, value, (long long)f->min, (long long)f->max, &v))
      return false;
    *MEMBER(uint32_t, obj, f) = (uint32_t)v;
    return true;
  case CONF_T_U64:
    if (conf_to_u64(value, MEMBER(uint64_t, obj, f)))
      return true;
    conf_expected(x, opt, "an integer >= 0", value);
    return false;
  case CONF_T_DOUBLE:
    return conf_arg_double(x, opt, value, MEMBER(double, obj, f));
  case CONF_T_STRING:
    conf_set_string(MEMBER(char *, obj, f), value);
    return true;
  case CONF_T_KEYWORD:
    return conf_arg_keyword(x, opt, value, f->keywords, f->n_keywords, MEMBER(int, obj, f));
  case CONF_T_REFID:
    return parse_refid(x, opt, value, MEMBER(uint32_t, obj, f));
  case CONF_T_CUSTOM:
    return f->parse(x, obj, opt, value);
  }
  return false;
}

void conf_field_print_value(FILE *out, const struct conf_field *f, const void *obj)
{
  char num[CONF_NUM_LEN];
  uint32_t refid;
  switch (f->type) {
  case CONF_T_FLAG:
  case CONF_T_SET:
  case CONF_T_CUSTOM:
    break;
  case CONF_T_INT:
    fprintf(out, "%d", *CMEMBER(int, obj, f));
    break;
  case CONF_T_U16:
    fprintf(out, "%u", (unsigned)*CMEMBER(uint16_t, obj, f));
    break;
  case CONF_T_U32:
    fprintf(out, "%" PRIu32, *CMEMBER(uint32_t, obj, f));
    break;
  case CONF_T_U64:
    fprintf(out, "%" PRIu64, *CMEMBER(uint64_t, obj, f));
    break;
  case CONF_T_DOUBLE:
    fputs(conf_fmt_double(*CMEMBER(double, obj, f), num), out);
    break;
  case CONF_T_STRING:
    fputs(*CMEMBER(char *, obj, f), out);
    break;
  case CONF_T_KEYWORD:
    fputs(f->keywords[*CMEMBER(int, obj, f)], out);
    break;
  case CONF_T_REFID:
    refid = *CMEMBER(uint32_t, obj, f);
    for (int shift = 24; shift >= 0 && (refid << (24 - shift)) != 0; shift -= 8)
      fputc((int)(refid >> shift) & 0xff, out);
    break;
  }
}

bool conf_field_equal(const struct conf_field *f, const void *a, const void *b)
{
  const char *sa, *sb;
  switch (f->type) {
  case CONF_T_FLAG:
    return *CMEMBER(bool, a, f) == *CMEMBER(bool, b, f);
  case CONF_T_SET:
    /* Equal unless exactly one of them holds this option's value. */
    return (*CMEMBER(int, a, f) == (int)f->min) == (*CMEMBER(int, b, f) == (int)f->min);
  case CONF_T_INT:
  case CONF_T_KEYWORD:
    return *CMEMBER(int, a, f) == *CMEMBER(int, b, f);
  case CONF_T_U16:
    return *CMEMBER(uint16_t, a, f) == *CMEMBER(uint16_t, b, f);
  case CONF_T_U32:
  case CONF_T_REFID:
    return *CMEMBER(uint32_t, a, f) == *CMEMBER(uint32_t, b, f);
  case CONF_T_U64:
    return *CMEMBER(uint64_t, a, f) == *CMEMBER(uint64_t, b, f);
  case CONF_T_DOUBLE:
    return memcmp(CMEMBER(double, a, f), CMEMBER(double, b, f), sizeof(double)) == 0;
  case CONF_T_STRING:
    sa = *CMEMBER(char *, a, f);
    sb = *CMEMBER(char *, b, f);
    return sa == sb || (sa && sb && strcmp(sa, sb) == 0);
  case CONF_T_CUSTOM:
    return false;   /* its print() decides */
  }
  return false;
}

static const struct conf_field *find(const struct conf_field *fields, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++) {
    if (strcasecmp(fields[i].name, name) == 0)
      return &fields[i];
  }
  return NULL;
}

bool conf_options_parse(struct conf_ctx *x, const struct conf_field *fields, size_t n,
                        void *obj, int argc, const char *const *argv)
{
  for (int i = 0; i < argc; i++) {
    const struct conf_field *f = find(fields, n, argv[i]);
    if (!f) {
      conf_error(x, "unknown option '%.64s'", argv[i]);
      return false;
    }
    const char *value = NULL;
    if (conf_field_has_value(f)) {
      if (i + 1 >= argc) {
        conf_error(x, "%s: missing value", f->name);
        return false;
      }
      value = argv[++i];
    }
    if (!conf_field_parse(x, f, obj, f->name, value))
      return false;
  }
  return true;
}

void conf_options_print(FILE *out, const struct conf_field *fields, size_t n,
                        const void *obj, const void *def)
{
  for (size_t i = 0; i < n; i++) {
    const struct conf_field *f = &fields[i];
    if (f->type == CONF_T_CUSTOM) {
      f->print(out, obj);
      continue;
    }
    if (!f->always && conf_field_equal(f, obj, def))
      continue;
    if (f->type == CONF_T_FLAG && !*CMEMBER(bool, obj, f))
      continue;
    if (f->type == CONF_T_SET && *CMEMBER(int, obj, f) != (int)f->min)
      continue;
    fprintf(out, " %s", f->name);
    if (conf_field_has_value(f)) {
      fputc(' ', out);
      conf_field_print_value(out, f, obj);
    }
  }
}
