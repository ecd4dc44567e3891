#include "conf/conf_source.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_fields.h"
#include "conf/conf_mem.h"
#include "conf/conf_value.h"
#include "core/client.h"

#define OFF(m) offsetof(struct conf_source, m)
/* An option the client acts on. */
#define CLIENT(m) offsetof(struct conf_source, client.m)

/* The options the client acts on are the client's, with its defaults. */
void conf_source_defaults(struct conf_source *s, enum conf_source_type type)
{
  memset(s, 0, sizeof(*s));
  s->type = type;
  client_source_defaults(&s->client);
  s->family = ADDR_UNSPEC;
  s->maxsources = 4;
  s->maxunreach = CONF_DEFAULT_MAXUNREACH;
  s->ntsport = CONF_DEFAULT_NTSPORT;
}

/* extfield HEX: known extension fields only, as chrony. */
static bool parse_extfield(struct conf_ctx *x, void *obj, const char *opt, const char *value)
{
  struct conf_source *s = obj;
  char *end;
  unsigned long type = strtoul(value, &end, 16);
  if (*value != '\0' && *value != '-' && *value != '+' && *end == '\0') {
    if (type == 0xF323) {
      s->extfields |= CONF_EF_MONO_ROOT;
      return true;
    }
    if (type == 0x10A || type == 0xF324) {   /* F324: experimental alias (4.5-4.8) */
      s->extfields |= CONF_EF_NET_CORRECTION;
      return true;
    }
  }
  conf_expected(x, opt, "a supported extension field F323 or 10A", value);
  return false;
}

static void print_extfield(FILE *out, const void *obj)
{
  const struct conf_source *s = obj;
  if (s->extfields & CONF_EF_MONO_ROOT)
    fputs(" extfield F323", out);
  if (s->extfields & CONF_EF_NET_CORRECTION)
    fputs(" extfield 10A", out);
}

static const struct conf_field options[] = {
  {.name = "port", .type = CONF_T_U16, .offset = CLIENT(port), .always = true},
  {.name = "minpoll", .type = CONF_T_INT, .offset = CLIENT(minpoll), .min = INT_MIN, .max = INT_MAX,
   .always = true},
  {.name = "maxpoll", .type = CONF_T_INT, .offset = CLIENT(maxpoll), .min = INT_MIN, .max = INT_MAX,
   .always = true},
  {.name = "maxsources", .type = CONF_T_INT, .offset = OFF(maxsources), .min = 1, .max = INT_MAX},
  {.name = "iburst", .type = CONF_T_FLAG, .offset = CLIENT(iburst)},
  {.name = "burst", .type = CONF_T_FLAG, .offset = CLIENT(burst)},
  {.name = "key", .type = CONF_T_U32, .offset = CLIENT(key), .min = 1, .max = UINT32_MAX},
  {.name = "nts", .type = CONF_T_FLAG, .offset = OFF(nts)},
  {.name = "certset", .type = CONF_T_INT, .offset = OFF(certset), .min = 0, .max = INT_MAX,
   .ignored = true},
  {.name = "ntsport", .type = CONF_T_U16, .offset = OFF(ntsport), .ignored = true},
  {.name = "maxdelay", .type = CONF_T_DOUBLE, .offset = CLIENT(maxdelay)},
  {.name = "maxdelayratio", .type = CONF_T_DOUBLE, .offset = CLIENT(maxdelayratio)},
  {.name = "maxdelaydevratio", .type = CONF_T_DOUBLE, .offset = CLIENT(maxdelaydevratio)},
  {.name = "maxdelayquant", .type = CONF_T_DOUBLE, .offset = OFF(maxdelayquant), .ignored = true},
  {.name = "mindelay", .type = CONF_T_DOUBLE, .offset = CLIENT(mindelay)},
  {.name = "asymmetry", .type = CONF_T_DOUBLE, .offset = CLIENT(asymmetry)},
  {.name = "offset", .type = CONF_T_DOUBLE, .offset = CLIENT(offset)},
  {.name = "minsamples", .type = CONF_T_INT, .offset = CLIENT(minsamples), .min = INT_MIN,
   .max = INT_MAX},
  {.name = "maxsamples", .type = CONF_T_INT, .offset = CLIENT(maxsamples), .min = INT_MIN,
   .max = INT_MAX},
  {.name = "maxunreach", .type = CONF_T_INT, .offset = OFF(maxunreach), .min = 0, .max = INT_MAX,
   .ignored = true},
  {.name = "filter", .type = CONF_T_INT, .offset = CLIENT(filter), .min = 0, .max = INT_MAX},
  {.name = "offline", .type = CONF_T_FLAG, .offset = CLIENT(offline)},
  {.name = "auto_offline", .type = CONF_T_FLAG, .offset = OFF(auto_offline), .ignored = true},
  {.name = "prefer", .type = CONF_T_FLAG, .offset = CLIENT(prefer)},
  {.name = "noselect", .type = CONF_T_FLAG, .offset = CLIENT(noselect)},
  {.name = "trust", .type = CONF_T_FLAG, .offset = CLIENT(trust)},
  {.name = "require", .type = CONF_T_FLAG, .offset = CLIENT(require)},
  {.name = "xleave", .type = CONF_T_FLAG, .offset = CLIENT(xleave)},
  {.name = "polltarget", .type = CONF_T_INT, .offset = CLIENT(polltarget), .min = INT_MIN,
   .max = INT_MAX},
  {.name = "presend", .type = CONF_T_INT, .offset = CLIENT(presend), .min = INT_MIN, .max = INT_MAX},
  {.name = "minstratum", .type = CONF_T_INT, .offset = CLIENT(minstratum), .min = INT_MIN,
   .max = INT_MAX},
  {.name = "version", .type = CONF_T_INT, .offset = CLIENT(version), .min = 1, .max = 4},
  {.name = "copy", .type = CONF_T_FLAG, .offset = OFF(copy), .ignored = true},
  {.name = "extfield", .type = CONF_T_CUSTOM, .parse = parse_extfield, .print = print_extfield,
   .ignored = true},
  {.name = "ipv4", .type = CONF_T_SET, .offset = OFF(family), .min = ADDR_INET4},
  {.name = "ipv6", .type = CONF_T_SET, .offset = OFF(family), .min = ADDR_INET6},
};

const struct conf_field *conf_source_options(size_t *n)
{
  *n = sizeof(options) / sizeof(options[0]);
  return options;
}

/* Integer options chronyd takes as written and limits when it creates the
 * source. */
#define BOUNDED(m) {#m, offsetof(struct client_source_params, m)}
static const struct {
  const char *name;
  size_t offset;
} bounded[] = {BOUNDED(minpoll), BOUNDED(maxpoll), BOUNDED(polltarget), BOUNDED(minstratum),
               BOUNDED(minsamples), BOUNDED(maxsamples)};

#define INT_AT(obj, off) ((int *)((char *)(obj) + (off)))

/* The client's limits (one place) are applied here so that -p shows what
 * is used. A value outside its own range is warned about; one moved only
 * to meet the other limit (maxpoll raised to minpoll, minsamples lowered to
 * maxsamples) is not, as chronyd says nothing either way. */
static void bound_source(struct conf_ctx *x, struct conf_source *s)
{
  struct client_source_params used = s->client;
  client_source_bound(&used);
  for (size_t i = 0; i < sizeof(bounded) / sizeof(bounded[0]); i++) {
    struct client_source_params alone;
    int value = *INT_AT(&s->client, bounded[i].offset);
    client_source_defaults(&alone);
    alone.minpoll = CLIENT_MIN_POLL;   /* no minpoll to raise maxpoll to */
    *INT_AT(&alone, bounded[i].offset) = value;
    client_source_bound(&alone);
    if (*INT_AT(&alone, bounded[i].offset) != value)
      conf_warn(x, "%s %d is outside chronyd's limits, using %d", bounded[i].name, value,
                *INT_AT(&used, bounded[i].offset));
  }
  s->client = used;
}

const char *conf_source_refused(const struct conf_source *s)
{
  /* chronyd built without NTS keeps such a source and never sends it a
   * request ("Missing NTS support"); here it is refused outright. */
  if (s->nts)
    return "nts: missing NTS support in this build, the source is refused (it would not be "
           "authenticated)";
  return NULL;
}

static bool add_source(struct conf_ctx *x, struct config *c, enum conf_source_type type,
                       int argc, const char *const *argv)
{
  struct conf_source s;
  if (!conf_arg_count(x, argc, 1, INT_MAX, "NAME [OPTION]..."))
    return false;
  if (strlen(argv[0]) >= sizeof(s.name)) {
    conf_error(x, "expected a name shorter than %zu characters", sizeof(s.name));
    return false;
  }
  conf_source_defaults(&s, type);
  strcpy(s.name, argv[0]);
  if (!conf_options_parse(x, options, sizeof(options) / sizeof(options[0]), &s,
                          argc - 1, argv + 1))
    return false;
  const char *refused = conf_source_refused(&s);
  if (refused) {
    conf_error(x, "%s", refused);
    return false;
  }
  bound_source(x, &s);
  s.file = x->file;
  s.line = x->line;
  *(struct conf_source *)conf_append(&c->sources, &c->n_sources, sizeof(s)) = s;
  return true;
}

bool conf_server_parse(struct conf_ctx *x, struct config *c, int argc, const char *const *argv)
{
  return add_source(x, c, CONF_SERVER, argc, argv);
}

bool conf_pool_parse(struct conf_ctx *x, struct config *c, int argc, const char *const *argv)
{
  return add_source(x, c, CONF_POOL, argc, argv);
}

bool conf_peer_parse(struct conf_ctx *x, struct config *c, int argc, const char *const *argv)
{
  return add_source(x, c, CONF_PEER, argc, argv);
}

/* One source's line as -p prints it, without the newline. */
static void print_source(const struct conf_source *s, FILE *out)
{
  static const char *const names[] = {"server", "pool", "peer"};
  struct conf_source def;
  conf_source_defaults(&def, s->type);
  if (s->type == CONF_POOL)
    def.maxsources = 0;   /* impossible value: a pool always shows it */
  fprintf(out, "%s %s", names[s->type], s->name);
  conf_options_print(out, options, sizeof(options) / sizeof(options[0]), s, &def);
}

void conf_sources_print(const struct config *c, FILE *out)
{
  for (unsigned i = 0; i < c->n_sources; i++) {
    print_source(&c->sources[i], out);
    fputc('\n', out);
  }
}

char *conf_source_line(const struct conf_source *s)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f)
    return NULL;
  print_source(s, f);
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}
