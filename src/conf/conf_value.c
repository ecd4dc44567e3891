#include "conf/conf_value.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest part of a bad word quoted back in a message. */
#define QUOTE "'%.64s'"

bool conf_to_integer(const char *s, long long min, long long max, long long *out)
{
  char *end;
  if (!((*s >= '0' && *s <= '9') || ((*s == '-' || *s == '+') && s[1] >= '0' && s[1] <= '9')))
    return false;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max)
    return false;
  *out = v;
  return true;
}

bool conf_to_u64(const char *s, uint64_t *out)
{
  char *end;
  if (*s < '0' || *s > '9')
    return false;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0')
    return false;
  *out = v;
  return true;
}

bool conf_to_double(const char *s, double *out)
{
  char *end;
  if (*s == '\0' || strchr(" \t\n\v\f\r", *s))   /* strtod would skip white space */
    return false;
  double v = strtod(s, &end);
  /* Overflow gives inf; underflow a usable tiny number. */
  if (*end != '\0' || !isfinite(v))
    return false;
  *out = v;
  return true;
}

void conf_expected(struct conf_ctx *x, const char *opt, const char *what, const char *s)
{
  if (opt)
    conf_error(x, "%s: expected %s, got " QUOTE, opt, what, s);
  else
    conf_error(x, "expected %s, got " QUOTE, what, s);
}

bool conf_arg_integer(struct conf_ctx *x, const char *opt, const char *s,
                      long long min, long long max, long long *out)
{
  char what[96];
  if (conf_to_integer(s, min, max, out))
    return true;
  if (min <= INT_MIN && max >= INT_MAX)
    snprintf(what, sizeof(what), "an integer");
  else if (max == INT_MAX)
    snprintf(what, sizeof(what), "an integer >= %lld", min);
  else if (min < 0)
    snprintf(what, sizeof(what), "an integer from %lld to %lld", min, max);
  else
    snprintf(what, sizeof(what), "an integer %lld-%lld", min, max);
  conf_expected(x, opt, what, s);
  return false;
}

bool conf_arg_int(struct conf_ctx *x, const char *opt, const char *s, int min, int max, int *out)
{
  long long v;
  if (!conf_arg_integer(x, opt, s, min, max, &v))
    return false;
  *out = (int)v;
  return true;
}

bool conf_arg_port(struct conf_ctx *x, const char *opt, const char *s, uint16_t *out)
{
  long long v;
  if (!conf_to_integer(s, 0, 65535, &v)) {
    conf_expected(x, opt, "a port number 0-65535", s);
    return false;
  }
  *out = (uint16_t)v;
  return true;
}

bool conf_arg_double(struct conf_ctx *x, const char *opt, const char *s, double *out)
{
  if (conf_to_double(s, out))
    return true;
  conf_expected(x, opt, "a number", s);
  return false;
}

bool conf_arg_addr(struct conf_ctx *x, const char *opt, const char *s, struct ip_addr *out)
{
  if (addr_parse(s, out))
    return true;
  conf_expected(x, opt, "an IPv4 or IPv6 address", s);
  return false;
}

bool conf_arg_keyword(struct conf_ctx *x, const char *opt, const char *s,
                      const char *const *names, int n, int *out)
{
  char what[200] = "one of";
  for (int i = 0; i < n; i++) {
    if (names[i] && strcasecmp(s, names[i]) == 0) {
      *out = i;
      return true;
    }
  }
  for (int i = 0; i < n; i++) {
    if (names[i]) {
      size_t len = strlen(what);
      snprintf(what + len, sizeof(what) - len, " %s", names[i]);
    }
  }
  conf_expected(x, opt, what, s);
  return false;
}

bool conf_arg_count(struct conf_ctx *x, int argc, int min, int max, const char *usage)
{
  if (argc >= min && argc <= max)
    return true;
  conf_error(x, "%s (usage: %s%s%s)", argc < min ? "missing argument" : "too many arguments",
             x->directive, *usage ? " " : "", usage);
  return false;
}

const char *conf_fmt_double(double v, char buf[CONF_NUM_LEN])
{
  if (v == floor(v) && fabs(v) < 1e15) {   /* "7200", not "7.2e+03" */
    snprintf(buf, CONF_NUM_LEN, "%.0f", v);
    return buf;
  }
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, CONF_NUM_LEN, "%.*g", prec, v);
    if (strtod(buf, NULL) == v)
      break;
  }
  return buf;
}
