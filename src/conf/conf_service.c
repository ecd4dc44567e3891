#include "conf/conf_service.h"

#include <string.h>
#include <strings.h>

#include "conf/conf_fields.h"
#include "conf/conf_mem.h"
#include "conf/conf_value.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define COFF(m) offsetof(struct config, m)
#define ROFF(m) offsetof(struct conf_ratelimit, m)

static const struct conf_field local_options[] = {
  {.name = "stratum", .type = CONF_T_INT, .offset = COFF(local_stratum), .min = 1, .max = 15,
   .always = true},
  {.name = "orphan", .type = CONF_T_FLAG, .offset = COFF(local_orphan), .always = true},
  {.name = "distance", .type = CONF_T_DOUBLE, .offset = COFF(local_distance), .always = true},
  {.name = "activate", .type = CONF_T_DOUBLE, .offset = COFF(local_activate), .always = true},
  {.name = "waitsynced", .type = CONF_T_DOUBLE, .offset = COFF(local_waitsynced), .always = true},
  {.name = "waitunsynced", .type = CONF_T_DOUBLE, .offset = COFF(local_waitunsynced),
   .always = true},
};

void conf_local_defaults(struct config *c)
{
  c->local_stratum = 10;
  c->local_orphan = false;
  c->local_distance = 1.0;
  c->local_activate = 0.0;
  c->local_waitsynced = 0.0;
  c->local_waitunsynced = 0.0;
}

/* Each local directive starts from the defaults, as in chrony. */
bool conf_local_parse(struct conf_ctx *x, struct config *c, int argc, const char *const *argv)
{
  struct config tmp;
  memcpy(&tmp, c, sizeof(tmp));   /* only the local_* members are touched */
  conf_local_defaults(&tmp);
  tmp.local_waitunsynced = -1.0;
  if (!conf_options_parse(x, local_options, N(local_options), &tmp, argc, argv))
    return false;
  if (tmp.local_waitunsynced < 0.0)
    tmp.local_waitunsynced = tmp.local_orphan ? 300.0 : 0.0;
  c->local = true;
  c->local_stratum = tmp.local_stratum;
  c->local_orphan = tmp.local_orphan;
  c->local_distance = tmp.local_distance;
  c->local_activate = tmp.local_activate;
  c->local_waitsynced = tmp.local_waitsynced;
  c->local_waitunsynced = tmp.local_waitunsynced;
  return true;
}

void conf_local_print(const struct config *c, FILE *out)
{
  if (!c->local)
    return;
  fputs("local", out);
  conf_options_print(out, local_options, N(local_options), c, c);
  fputc('\n', out);
}

/* kod comes last: only ratelimit has it. */
static const struct conf_field ratelimit_options[] = {
  {.name = "interval", .type = CONF_T_INT, .offset = ROFF(interval), .min = -32, .max = 32,
   .always = true},
  {.name = "burst", .type = CONF_T_INT, .offset = ROFF(burst), .min = -32, .max = 32,
   .always = true},
  {.name = "leak", .type = CONF_T_INT, .offset = ROFF(leak), .min = -32, .max = 32,
   .always = true},
  {.name = "kod", .type = CONF_T_INT, .offset = ROFF(kod), .min = -32, .max = 32, .always = true},
};

/* Options accumulate over repeated directives, as in chrony. */
static bool parse_ratelimit(struct conf_ctx *x, struct conf_ratelimit *r, size_t n_options,
                            int argc, const char *const *argv)
{
  struct conf_ratelimit tmp = *r;
  if (!conf_options_parse(x, ratelimit_options, n_options, &tmp, argc, argv))
    return false;
  *r = tmp;
  r->enabled = true;
  return true;
}

static void print_ratelimit(FILE *out, const char *name, const struct conf_ratelimit *r,
                            size_t n_options)
{
  if (!r->enabled)
    return;
  fputs(name, out);
  conf_options_print(out, ratelimit_options, n_options, r, r);
  fputc('\n', out);
}

bool conf_ratelimit_parse(struct conf_ctx *x, struct config *c, int argc, const char *const *argv)
{
  return parse_ratelimit(x, &c->ratelimit, N(ratelimit_options), argc, argv);
}

void conf_ratelimit_print(const struct config *c, FILE *out)
{
  print_ratelimit(out, "ratelimit", &c->ratelimit, N(ratelimit_options));
}

bool conf_ntsratelimit_parse(struct conf_ctx *x, struct config *c, int argc,
                             const char *const *argv)
{
  return parse_ratelimit(x, &c->ntsratelimit, N(ratelimit_options) - 1, argc, argv);
}

void conf_ntsratelimit_print(const struct config *c, FILE *out)
{
  print_ratelimit(out, "ntsratelimit", &c->ntsratelimit, N(ratelimit_options) - 1);
}

bool conf_cmdratelimit_parse(struct conf_ctx *x, struct config *c, int argc,
                             const char *const *argv)
{
  return parse_ratelimit(x, &c->cmdratelimit, N(ratelimit_options) - 1, argc, argv);
}

void conf_cmdratelimit_print(const struct config *c, FILE *out)
{
  print_ratelimit(out, "cmdratelimit", &c->cmdratelimit, N(ratelimit_options) - 1);
}

static const struct {
  const char *name;
  uint32_t bit;
} open_commands[] = {
  {"activity", CONF_OPEN_ACTIVITY}, {"authdata", CONF_OPEN_AUTHDATA},
  {"clients", CONF_OPEN_CLIENTS}, {"manual", CONF_OPEN_MANUAL},
  {"ntpdata", CONF_OPEN_NTPDATA}, {"rtcdata", CONF_OPEN_RTCDATA},
  {"selectdata", CONF_OPEN_SELECTDATA}, {"serverstats", CONF_OPEN_SERVERSTATS},
  {"smoothing", CONF_OPEN_SMOOTHING}, {"sourcename", CONF_OPEN_SOURCENAME},
  {"sources", CONF_OPEN_SOURCES}, {"sourcestats", CONF_OPEN_SOURCESTATS},
  {"tracking", CONF_OPEN_TRACKING},
};

/* The list replaces the default set; an empty list closes all commands. */
bool conf_opencommands_parse(struct conf_ctx *x, struct config *c, int argc,
                             const char *const *argv)
{
  uint32_t set = 0;
  for (int i = 0; i < argc; i++) {
    size_t k;
    for (k = 0; k < N(open_commands); k++) {
      if (strcasecmp(argv[i], open_commands[k].name) == 0)
        break;
    }
    if (k == N(open_commands)) {
      conf_expected(x, NULL, "a monitoring command (activity, authdata, clients, manual, "
                    "ntpdata, rtcdata, selectdata, serverstats, smoothing, sourcename, "
                    "sources, sourcestats, tracking)", argv[i]);
      return false;
    }
    set |= open_commands[k].bit;
  }
  c->opencommands = set;
  return true;
}

void conf_opencommands_print(const struct config *c, FILE *out)
{
  if (c->opencommands == CONF_OPEN_DEFAULT)
    return;
  fputs("opencommands", out);
  for (size_t k = 0; k < N(open_commands); k++) {
    if (c->opencommands & open_commands[k].bit)
      fprintf(out, " %s", open_commands[k].name);
  }
  fputc('\n', out);
}

/* "/" disables the PID file. */
bool conf_pidfile_parse(struct conf_ctx *x, struct config *c, int argc, const char *const *argv)
{
  if (!conf_arg_count(x, argc, 1, 1, "FILE"))
    return false;
  conf_set_string(&c->pidfile, strcmp(argv[0], "/") == 0 ? NULL : argv[0]);
  return true;
}

void conf_pidfile_print(const struct config *c, FILE *out)
{
  if (!c->pidfile)
    fputs("pidfile /\n", out);
  else if (strcmp(c->pidfile, CONF_DEFAULT_PIDFILE) != 0)
    fprintf(out, "pidfile %s\n", c->pidfile);
}
