#include "conf/conf_source.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf_fields.h"
#include "conf/conf_mem.h"
#include "conf/conf_value.h"
#include "core/client.h"
#include "proto/cmdmon.h"

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
}

/* extfield HEX: known extension fields only, as chrony. */
static bool parse_extfield(struct conf_ctx *x, void *obj, const char *opt, const char *value)
{
  struct conf_source *s = obj;
  char *end;
  unsigned long type = strtoul(value, &end, 16);
  if (*value != '\0' && *value != '-' && *value != '+' && *end == '\0') {
    if (type == 0xF323) {
      s->client.ext_fields |= CONF_EF_MONO_ROOT;
      return true;
    }
    if (type == 0x10A || type == 0xF324) {   /* F324: experimental alias (4.5-4.8) */
      s->client.ext_fields |= CONF_EF_NET_CORRECTION;
      return true;
    }
  }
  conf_expected(x, opt, "a supported extension field F323 or 10A", value);
  return false;
}

static void print_extfield(FILE *out, const void *obj)
{
  const struct conf_source *s = obj;
  if (s->client.ext_fields & CONF_EF_MONO_ROOT)
    fputs(" extfield F323", out);
  if (s->client.ext_fields & CONF_EF_NET_CORRECTION)
    fputs(" extfield 10A", out);
}

/* Where chronyc's add request (struct cmd_req_source, proto/cmdmon.h)
 * carries an option, so that stratumc's add command and the daemon's
 * handling of it use this table too (as chronyc and chronyd share
 * CPS_ParseNTPSourceAdd):
 *  - VALUE: the field at `offset`, of the option's C type (a port is a
 *    uint32_t there; an int an int32_t or uint32_t, the same bits); with
 *    zero_keeps_default, a 0 (chronyc 4.3 reserved the field) means the
 *    default;
 *  - FLAG: the bit `flag` of its flags, NOT_FLAG: the bit set when the
 *    option is not (offline: chronyc's ONLINE);
 *  - BITS: the bit `flag` stands for the bits `bits` of the option's
 *    uint32_t, and `flag2` for `bits2` (extfield F323, and F324 from
 *    chronyc 4.5);
 *  - SET: the bit `flag` is set when the option's int is its value (`min`:
 *    ipv4, ipv6, from chronyc 4.6). */
enum request_kind { RQ_VALUE, RQ_FLAG, RQ_NOT_FLAG, RQ_BITS, RQ_SET };
struct conf_request_slot {
  enum request_kind kind;
  size_t offset;
  uint32_t flag, bits, flag2, bits2;
  bool zero_keeps_default;
};

#define SLOT(...) (&(const struct conf_request_slot){__VA_ARGS__})
#define VALUE(m) SLOT(RQ_VALUE, .offset = offsetof(struct cmd_req_source, m))
/* chronyc 4.3 sends 0 in the field it reserved. */
#define VALUE_OR_ZERO(m) \
  SLOT(RQ_VALUE, .offset = offsetof(struct cmd_req_source, m), .zero_keeps_default = true)
#define FLAG(f) SLOT(RQ_FLAG, .flag = (f))

static const struct conf_field options[] = {
  {.name = "port", .type = CONF_T_U16, .offset = CLIENT(port), .always = true,
   .request = VALUE(port)},
  {.name = "minpoll", .type = CONF_T_INT, .offset = CLIENT(minpoll), .min = INT_MIN, .max = INT_MAX,
   .always = true, .request = VALUE(minpoll)},
  {.name = "maxpoll", .type = CONF_T_INT, .offset = CLIENT(maxpoll), .min = INT_MIN, .max = INT_MAX,
   .always = true, .request = VALUE(maxpoll)},
  {.name = "maxsources", .type = CONF_T_INT, .offset = OFF(maxsources), .min = 1, .max = INT_MAX,
   .request = VALUE(max_sources)},
  {.name = "iburst", .type = CONF_T_FLAG, .offset = CLIENT(iburst),
   .request = FLAG(CMD_ADDSRC_IBURST)},
  {.name = "burst", .type = CONF_T_FLAG, .offset = CLIENT(burst),
   .request = FLAG(CMD_ADDSRC_BURST)},
  {.name = "key", .type = CONF_T_U32, .offset = CLIENT(key), .min = 1, .max = UINT32_MAX,
   .request = VALUE(authkey)},
  {.name = "nts", .type = CONF_T_FLAG, .offset = CLIENT(nts), .request = FLAG(CMD_ADDSRC_NTS)},
  {.name = "certset", .type = CONF_T_INT, .offset = CLIENT(certset), .min = 0, .max = INT_MAX,
   .request = VALUE(cert_set)},
  {.name = "ntsport", .type = CONF_T_U16, .offset = CLIENT(ntsport),
   .request = VALUE(nts_port)},
  {.name = "maxdelay", .type = CONF_T_DOUBLE, .offset = CLIENT(maxdelay),
   .request = VALUE(max_delay)},
  {.name = "maxdelayratio", .type = CONF_T_DOUBLE, .offset = CLIENT(maxdelayratio),
   .request = VALUE(max_delay_ratio)},
  {.name = "maxdelaydevratio", .type = CONF_T_DOUBLE, .offset = CLIENT(maxdelaydevratio),
   .request = VALUE(max_delay_dev_ratio)},
  {.name = "maxdelayquant", .type = CONF_T_DOUBLE, .offset = CLIENT(maxdelayquant),
   .request = VALUE(max_delay_quant)},
  {.name = "mindelay", .type = CONF_T_DOUBLE, .offset = CLIENT(mindelay),
   .request = VALUE(min_delay)},
  {.name = "asymmetry", .type = CONF_T_DOUBLE, .offset = CLIENT(asymmetry),
   .request = VALUE(asymmetry)},
  {.name = "offset", .type = CONF_T_DOUBLE, .offset = CLIENT(offset), .request = VALUE(offset)},
  {.name = "minsamples", .type = CONF_T_INT, .offset = CLIENT(minsamples), .min = INT_MIN,
   .max = INT_MAX, .request = VALUE(min_samples)},
  {.name = "maxsamples", .type = CONF_T_INT, .offset = CLIENT(maxsamples), .min = INT_MIN,
   .max = INT_MAX, .request = VALUE(max_samples)},
  {.name = "maxunreach", .type = CONF_T_INT, .offset = CLIENT(maxunreach), .min = 0,
   .max = INT_MAX, .request = VALUE_OR_ZERO(max_unreach)},
  {.name = "filter", .type = CONF_T_INT, .offset = CLIENT(filter), .min = 0, .max = INT_MAX,
   .request = VALUE(filter_length)},
  {.name = "offline", .type = CONF_T_FLAG, .offset = CLIENT(offline),
   .request = SLOT(RQ_NOT_FLAG, .flag = CMD_ADDSRC_ONLINE)},
  {.name = "auto_offline", .type = CONF_T_FLAG, .offset = CLIENT(auto_offline),
   .request = FLAG(CMD_ADDSRC_AUTOOFFLINE)},
  {.name = "prefer", .type = CONF_T_FLAG, .offset = CLIENT(prefer),
   .request = FLAG(CMD_ADDSRC_PREFER)},
  {.name = "noselect", .type = CONF_T_FLAG, .offset = CLIENT(noselect),
   .request = FLAG(CMD_ADDSRC_NOSELECT)},
  {.name = "trust", .type = CONF_T_FLAG, .offset = CLIENT(trust),
   .request = FLAG(CMD_ADDSRC_TRUST)},
  {.name = "require", .type = CONF_T_FLAG, .offset = CLIENT(require),
   .request = FLAG(CMD_ADDSRC_REQUIRE)},
  {.name = "xleave", .type = CONF_T_FLAG, .offset = CLIENT(xleave),
   .request = FLAG(CMD_ADDSRC_INTERLEAVED)},
  {.name = "polltarget", .type = CONF_T_INT, .offset = CLIENT(polltarget), .min = INT_MIN,
   .max = INT_MAX, .request = VALUE(poll_target)},
  {.name = "presend", .type = CONF_T_INT, .offset = CLIENT(presend), .min = INT_MIN, .max = INT_MAX,
   .request = VALUE(presend_minpoll)},
  {.name = "minstratum", .type = CONF_T_INT, .offset = CLIENT(minstratum), .min = INT_MIN,
   .max = INT_MAX, .request = VALUE(min_stratum)},
  {.name = "version", .type = CONF_T_INT, .offset = CLIENT(version), .min = 1, .max = 4,
   .request = VALUE(version)},
  {.name = "copy", .type = CONF_T_FLAG, .offset = CLIENT(copy),
   .request = FLAG(CMD_ADDSRC_COPY)},
  {.name = "extfield", .type = CONF_T_CUSTOM, .offset = CLIENT(ext_fields),
   .parse = parse_extfield, .print = print_extfield,
   .request = SLOT(RQ_BITS, .flag = CMD_ADDSRC_EF_EXP1, .bits = CONF_EF_MONO_ROOT,
                   .flag2 = CMD_ADDSRC_EF_EXP_NET_CORRECTION, .bits2 = CONF_EF_NET_CORRECTION)},
  {.name = "ipv4", .type = CONF_T_SET, .offset = OFF(family), .min = ADDR_INET4,
   .request = SLOT(RQ_SET, .flag = CMD_ADDSRC_IPV4)},
  {.name = "ipv6", .type = CONF_T_SET, .offset = OFF(family), .min = ADDR_INET6,
   .request = SLOT(RQ_SET, .flag = CMD_ADDSRC_IPV6)},
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

const struct conf_field *conf_source_options(size_t *n)
{
  *n = N_OPTIONS;
  return options;
}

/* The words of the directives and chronyc's request types. */
static const struct {
  const char *word;
  uint32_t request;
} types[] = {[CONF_SERVER] = {"server", CMD_ADDSRC_SERVER}, [CONF_POOL] = {"pool", CMD_ADDSRC_POOL},
             [CONF_PEER] = {"peer", CMD_ADDSRC_PEER}};

bool conf_source_type_parse(const char *word, enum conf_source_type *type)
{
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
    if (strcasecmp(word, types[i].word) == 0) {
      *type = (enum conf_source_type)i;
      return true;
    }
  }
  return false;
}

#define AT(type, obj, off) ((type *)((char *)(obj) + (off)))
#define CAT(type, obj, off) ((const type *)((const char *)(obj) + (off)))

bool conf_source_to_request(const struct conf_source *s, struct cmd_req_source *q)
{
  struct conf_source def;
  conf_source_defaults(&def, s->type);
  memset(q, 0, sizeof(*q));
  q->type = types[s->type].request;
  _Static_assert(sizeof(q->name) >= sizeof(s->name), "a name fits the request");
  memcpy(q->name, s->name, sizeof(s->name));
  for (size_t i = 0; i < N_OPTIONS; i++) {
    const struct conf_field *f = &options[i];
    const struct conf_request_slot *r = f->request;
    if (!r) {
      if (!conf_field_equal(f, s, &def))
        return false;
      continue;
    }
    switch (r->kind) {
    case RQ_VALUE:
      if (f->type == CONF_T_DOUBLE)
        *AT(double, q, r->offset) = *CAT(double, s, f->offset);
      else if (f->type == CONF_T_U16)
        *AT(uint32_t, q, r->offset) = *CAT(uint16_t, s, f->offset);
      else if (f->type == CONF_T_U32)
        *AT(uint32_t, q, r->offset) = *CAT(uint32_t, s, f->offset);
      else
        *AT(int32_t, q, r->offset) = *CAT(int, s, f->offset);
      break;
    case RQ_FLAG:
    case RQ_NOT_FLAG:
      if (*CAT(bool, s, f->offset) != (r->kind == RQ_NOT_FLAG))
        q->flags |= r->flag;
      break;
    case RQ_BITS:
      if (*CAT(uint32_t, s, f->offset) & ~(r->bits | r->bits2))
        return false;
      if (*CAT(uint32_t, s, f->offset) & r->bits)
        q->flags |= r->flag;
      if (*CAT(uint32_t, s, f->offset) & r->bits2)
        q->flags |= r->flag2;
      break;
    case RQ_SET:
      if (*CAT(int, s, f->offset) == (int)f->min)
        q->flags |= r->flag;
      break;
    }
  }
  return true;
}

int conf_source_from_request(const struct cmd_req_source *q, struct conf_source *s)
{
  size_t len = strnlen(q->name, sizeof(q->name));
  if (len == 0 || len >= sizeof(q->name) || len >= sizeof(s->name))
    return CMD_STT_INVALIDNAME;
  size_t t = 0;
  while (t < sizeof(types) / sizeof(types[0]) && types[t].request != q->type)
    t++;
  if (t == sizeof(types) / sizeof(types[0]))
    return CMD_STT_INVALID;
  conf_source_defaults(s, (enum conf_source_type)t);
  memcpy(s->name, q->name, len + 1);
  for (size_t i = 0; i < N_OPTIONS; i++) {
    const struct conf_field *f = &options[i];
    const struct conf_request_slot *r = f->request;
    uint32_t u;
    if (!r)
      continue;
    switch (r->kind) {
    case RQ_VALUE:
      if (f->type == CONF_T_DOUBLE) {
        *AT(double, s, f->offset) = *CAT(double, q, r->offset);
      } else if (f->type == CONF_T_U16) {
        if ((u = *CAT(uint32_t, q, r->offset)) > UINT16_MAX)
          return CMD_STT_INVALID;
        *AT(uint16_t, s, f->offset) = (uint16_t)u;
      } else if (f->type == CONF_T_U32) {
        *AT(uint32_t, s, f->offset) = *CAT(uint32_t, q, r->offset);
      } else if (*CAT(int32_t, q, r->offset) != 0 || !r->zero_keeps_default) {
        *AT(int, s, f->offset) = *CAT(int32_t, q, r->offset);
      }
      break;
    case RQ_FLAG:
    case RQ_NOT_FLAG:
      *AT(bool, s, f->offset) = ((q->flags & r->flag) != 0) != (r->kind == RQ_NOT_FLAG);
      break;
    case RQ_BITS:
      if (q->flags & r->flag)
        *AT(uint32_t, s, f->offset) |= r->bits;
      if (q->flags & r->flag2)
        *AT(uint32_t, s, f->offset) |= r->bits2;
      break;
    case RQ_SET:
      if (q->flags & r->flag)
        *AT(int, s, f->offset) = (int)f->min;
      break;
    }
  }
  /* an address of the other family than ipv4/ipv6 ask for: chronyd's
   * NSR_InvalidAF */
  struct ip_addr a;
  if (s->family != ADDR_UNSPEC && addr_parse(s->name, &a) && a.family != s->family)
    return CMD_STT_INVALIDAF;
  return CMD_STT_SUCCESS;
}

/* Integer options chronyd takes as written and limits when it creates the
 * source. */
#define BOUNDED(m) {#m, offsetof(struct client_source_params, m)}
static const struct {
  const char *name;
  size_t offset;
} bounded[] = {BOUNDED(minpoll), BOUNDED(maxpoll), BOUNDED(polltarget), BOUNDED(minstratum),
               BOUNDED(minsamples), BOUNDED(maxsamples)};

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
    int value = *AT(int, &s->client, bounded[i].offset);
    client_source_defaults(&alone);
    alone.minpoll = CLIENT_MIN_POLL;   /* no minpoll to raise maxpoll to */
    *AT(int, &alone, bounded[i].offset) = value;
    client_source_bound(&alone);
    if (*AT(int, &alone, bounded[i].offset) != value)
      conf_warn(x, "%s %d is outside chronyd's limits, using %d", bounded[i].name, value,
                *AT(int, &used, bounded[i].offset));
  }
  s->client = used;
}

const char *conf_source_refused(const struct conf_source *s)
{
  /* chronyd warns "NTS not supported with peers" and its peer then sends
   * nothing (no NTS for symmetric mode); here it is refused outright. */
  if (s->client.nts && s->type == CONF_PEER)
    return "nts: NTS not supported with peers, the peer is refused (it would not be "
           "authenticated)";
  return NULL;
}

bool conf_source_parse(struct conf_ctx *x, enum conf_source_type type, int argc,
                       const char *const *argv, struct conf_source *s)
{
  if (!conf_arg_count(x, argc, 1, INT_MAX, "NAME [OPTION]..."))
    return false;
  if (strlen(argv[0]) >= sizeof(s->name)) {
    conf_error(x, "expected a name shorter than %zu characters", sizeof(s->name));
    return false;
  }
  conf_source_defaults(s, type);
  strcpy(s->name, argv[0]);
  return conf_options_parse(x, options, N_OPTIONS, s, argc - 1, argv + 1);
}

static bool add_source(struct conf_ctx *x, struct config *c, enum conf_source_type type,
                       int argc, const char *const *argv)
{
  struct conf_source s;
  if (!conf_source_parse(x, type, argc, argv, &s))
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
  struct conf_source def;
  conf_source_defaults(&def, s->type);
  if (s->type == CONF_POOL)
    def.maxsources = 0;   /* impossible value: a pool always shows it */
  fprintf(out, "%s %s", types[s->type].word, s->name);
  conf_options_print(out, options, N_OPTIONS, s, &def);
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
