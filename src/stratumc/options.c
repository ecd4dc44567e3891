#include "stratumc/options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/cmdmon.h"

static bool parse_port(const char *s, int *port)
{
  char *end;
  long v = strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < 0 || v > 65535)
    return false;
  *port = (int)v;
  return true;
}

/* One flag letter (no argument); false if unknown. */
static bool flag(struct sc_options *o, char c)
{
  switch (c) {
  case '4': o->family = 4; return true;
  case '6': o->family = 6; return true;
  case 'a': return true;           /* chronyc: for compatibility only */
  case 'c': o->csv = true; return true;
  case 'd': o->debug = true; return true;
  case 'e': o->end_dot = true; return true;
  case 'j': o->json = true; return true;
  case 'm': o->multi = true; return true;
  case 'n': o->no_dns = true; return true;
  case 'N': o->source_names = true; return true;
  default: return false;
  }
}

/* An option with an argument: -h HOST, -p PORT, -f FILE (ignored). */
static bool with_argument(struct sc_options *o, char c, const char *arg, char *err, size_t len)
{
  if (c == 'h') {
    if (!*arg) {
      snprintf(err, len, "-h needs a host name or a socket path");
      return false;
    }
    o->hosts = arg;
  } else if (c == 'p' && !parse_port(arg, &o->port)) {
    snprintf(err, len, "invalid port \"%s\"", arg);
    return false;
  }
  return true;
}

static bool takes_argument(char c)
{
  return c == 'h' || c == 'p' || c == 'f';
}

/* argv[*i] is a word of short options; it may consume argv[*i + 1]. */
static enum sc_opt_result short_options(int argc, char **argv, int *i, struct sc_options *o,
                                        char *err, size_t len)
{
  const char *word = argv[*i];
  for (const char *p = word + 1; *p; p++) {
    if (*p == 'v')
      return SC_OPT_VERSION;
    if (takes_argument(*p)) {
      const char *arg = p[1] ? p + 1 : *i + 1 < argc ? argv[++*i] : NULL;
      if (!arg) {
        snprintf(err, len, "option -%c needs an argument", *p);
        return SC_OPT_ERROR;
      }
      return with_argument(o, *p, arg, err, len) ? SC_OPT_RUN : SC_OPT_ERROR;
    }
    if (!flag(o, *p)) {
      snprintf(err, len, "unknown option -%c", *p);
      return SC_OPT_ERROR;
    }
  }
  return SC_OPT_RUN;
}

enum sc_opt_result sc_options_parse(int argc, char **argv, struct sc_options *o,
                                    char *err, size_t err_len)
{
  memset(o, 0, sizeof(*o));
  o->hosts = SC_DEFAULT_HOSTS;
  o->port = CMD_DEFAULT_PORT;
  if (err_len > 0)
    err[0] = '\0';
  /* as chronyc, the long options count anywhere on the line */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0)
      return SC_OPT_HELP;
    if (strcmp(argv[i], "--version") == 0)
      return SC_OPT_VERSION;
  }
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    enum sc_opt_result r = short_options(argc, argv, &i, o, err, err_len);
    if (r != SC_OPT_RUN)
      return r;
  }
  o->first_command = i;
  return SC_OPT_RUN;
}
