#include "stratumc/cmdparse.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf_ctx.h"
#include "proto/ntp_mac.h"
#include "conf/conf_source.h"
#include "stratumc/ipaddr.h"

struct command_entry;

struct parser {
  struct sc_command *cmd;
  const struct sc_resolver *res;
  const struct command_entry *e;   /* the command being parsed */
};

/* A command word, its parser and what that parser needs to know. */
struct command_entry {
  const char *name;
  void (*parse)(struct parser *p, char *line);
  uint16_t command, command2;      /* the request(s) it sends */
  enum sc_report report;
  const char *message;             /* for a syntax error */
};

/* ---------------------------------------------------------------- words */

void sc_normalize_line(char *line)
{
  char *q = line;
  bool space = true, first = true;
  for (const char *p = line; *p; p++) {
    if (isspace((unsigned char)*p)) {
      if (!space)
        *q++ = ' ';
      space = true;
      continue;
    }
    if (first && strchr("!;#%", *p))
      break;
    *q++ = *p;
    space = first = false;
  }
  if (q > line && q[-1] == ' ')
    q--;
  *q = '\0';
}

/* Terminate the word at *p and return it; *p moves to the next word. */
static char *next_word(char **p)
{
  char *w = *p, *e = w;
  while (*e && !isspace((unsigned char)*e))
    e++;
  char *n = e;
  while (*n && isspace((unsigned char)*n))
    n++;
  *e = '\0';
  *p = n;
  return w;
}

static bool parse_long(const char *s, long min, long max, long *v)
{
  char *end;
  errno = 0;
  long x = strtol(s, &end, 10);
  if (end == s || *end != '\0' || errno || x < min || x > max)
    return false;
  *v = x;
  return true;
}

static bool parse_int(const char *s, int *v)
{
  long x;
  if (!parse_long(s, INT_MIN, INT_MAX, &x))
    return false;
  *v = (int)x;
  return true;
}

static bool parse_double(const char *s, double *v)
{
  char *end;
  double x = strtod(s, &end);
  if (end == s || *end != '\0')
    return false;
  *v = x;
  return true;
}

/* ---------------------------------------------------------------- results */

static void fail(struct parser *p, const char *message)
{
  p->cmd->action = SC_ACT_ERROR;
  snprintf(p->cmd->message, sizeof(p->cmd->message), "%s", message);
}

static void request(struct parser *p, uint16_t command)
{
  p->cmd->action = SC_ACT_REQUEST;
  p->cmd->req.command = command;
}

static void report(struct parser *p, enum sc_report r)
{
  p->cmd->action = SC_ACT_REPORT;
  p->cmd->report = r;
}

/* ---------------------------------------------------------------- addresses */

/* An address literal (or ID#N), else a host name through the resolver. */
static bool source_address(struct parser *p, const char *s, struct cmd_ip *ip)
{
  if (sc_ip_parse(s, true, ip))
    return true;
  return *s && p->res && p->res->resolve && p->res->resolve(p->res->arg, s, ip);
}

/* [[MASK/]ADDRESS] or ADDRESS/BITS, as chronyc's online/offline/burst. */
static bool mask_address(struct parser *p, char *s, struct cmd_ip *mask, struct cmd_ip *addr)
{
  unsigned bits;
  char *slash = strchr(s, '/');
  memset(mask, 0, sizeof(*mask));
  memset(addr, 0, sizeof(*addr));
  if (!*s)
    return true;
  if (!slash) {
    if (!source_address(p, s, addr)) {
      fail(p, "Could not get address for hostname");
      return false;
    }
    sc_ip_mask(-1, addr->family, mask);
    return true;
  }
  *slash = '\0';
  if (sc_ip_parse(s, false, mask)) {
    if (sc_ip_parse(slash + 1, false, addr) && addr->family == mask->family)
      return true;
    if (sscanf(slash + 1, "%u", &bits) == 1) {
      *addr = *mask;
      sc_ip_mask((int)bits, addr->family, mask);
      return true;
    }
  }
  fail(p, "Invalid syntax for mask/address");
  return false;
}

/* [all] [SUBNET] of allow/deny/cmdallow/cmddeny: "10", "10.1/16",
 * "192.0.2.1", "2001:db8::/32", a host name; nothing means everything. */
static bool allow_deny(struct parser *p, char *line, bool *all, struct cmd_req_allow *a)
{
  char *net = next_word(&line);
  *all = strcmp(net, "all") == 0;
  if (*all)
    net = next_word(&line);
  memset(a, 0, sizeof(*a));
  if (*line)
    return false;
  if (!*net)
    return true;
  int bits = -1;
  char *slash = strchr(net, '/');
  if (slash) {
    long b;
    if (!parse_long(slash + 1, 0, INT_MAX, &b))
      return false;
    bits = (int)b;
    *slash = '\0';
  }
  if (sc_ip_parse(net, false, &a->ip)) {
    a->subnet_bits = bits >= 0 ? bits : a->ip.family == CMD_IP_INET6 ? 128 : 32;
    return true;
  }
  unsigned parts[3] = {0, 0, 0};
  int n = 0;
  char *s = net;
  while (n < 3 && isdigit((unsigned char)*s)) {
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (v > 255)
      return false;
    parts[n++] = (unsigned)v;
    s = end;
    if (*s != '.')
      break;
    s++;
  }
  if (n > 0 && *s == '\0' && s[-1] != '.') {
    a->ip.family = CMD_IP_INET4;
    a->ip.bytes[0] = (uint8_t)parts[0];
    a->ip.bytes[1] = (uint8_t)parts[1];
    a->ip.bytes[2] = (uint8_t)parts[2];
    a->subnet_bits = bits >= 0 ? bits : n * 8;
    return true;
  }
  if (bits < 0 && p->res && p->res->resolve && p->res->resolve(p->res->arg, net, &a->ip)) {
    a->subnet_bits = a->ip.family == CMD_IP_INET6 ? 128 : 32;
    return true;
  }
  return false;
}

/* ---------------------------------------------------------------- add source */

#define MAX_ADD_WORDS (SC_MAX_LINE / 2 + 1)

/* add server|pool|peer NAME [OPTION]...: the words as a line of the
 * configuration would give them, parsed by the daemon's own parser (as
 * chronyc shares chronyd's), then as chronyc's request carries them. */
static void parse_add(struct parser *p, char *line)
{
  const char *words[MAX_ADD_WORDS];
  int n = 0;
  enum conf_source_type type;
  bool known = conf_source_type_parse(next_word(&line), &type);
  while (*line && n < MAX_ADD_WORDS)
    words[n++] = next_word(&line);
  if (!known || n == 0)
    return fail(p, "Invalid syntax for add command");
  if (strlen(words[0]) >= CMD_NAME_LEN)
    return fail(p, "Invalid host/IP address");
  struct conf_diag diag = {0};
  struct conf_ctx x = {.diag = &diag, .file = "add", .directive = "add"};
  struct conf_source s;
  bool ok = conf_source_parse(&x, type, n, words, &s) &&
            conf_source_to_request(&s, &p->cmd->req.data.source);
  conf_diag_free(&diag);
  if (!ok)
    return fail(p, "Invalid syntax for add command");
  struct cmd_ip ip;
  if (!source_address(p, words[0], &ip))
    return fail(p, "Invalid host/IP address");
  request(p, CMD_ADD_SOURCE);
}

/* ---------------------------------------------------------------- commands */

static void parse_plain(struct parser *p, char *line)
{
  (void)line;
  request(p, p->e->command);
}

static void parse_report_opts(struct parser *p, char *line)
{
  while (*line) {
    const char *opt = next_word(&line);
    if (strcmp(opt, "-a") == 0)
      p->cmd->all = true;
    else if (strcmp(opt, "-v") == 0)
      p->cmd->verbose = true;
  }
  report(p, p->e->report);
}

static void parse_report(struct parser *p, char *line)
{
  (void)line;
  report(p, p->e->report);
}

static void parse_mask_request(struct parser *p, char *line)
{
  struct cmd_req_subnet *s = &p->cmd->req.data.subnet;
  if (mask_address(p, line, &s->mask, &s->address))
    request(p, p->e->command);
}

static void parse_burst(struct parser *p, char *line)
{
  struct cmd_req_subnet *s = &p->cmd->req.data.subnet;
  const char *counts = next_word(&line);
  char *target = next_word(&line);
  int good, total;
  if (sscanf(counts, "%d/%d", &good, &total) != 2)
    return fail(p, "Invalid syntax for burst command");
  if (!mask_address(p, target, &s->mask, &s->address))
    return;
  s->n_good = good;
  s->n_total = total;
  request(p, CMD_BURST);
}

/* minpoll, maxdelay...: ADDRESS VALUE, an integer or a Float. */
static void parse_modify(struct parser *p, char *line, bool is_float)
{
  struct cmd_req_modify *m = &p->cmd->req.data.modify;
  const char *host = next_word(&line);
  bool ok = is_float ? sscanf(line, "%lf", &m->fvalue) == 1 : sscanf(line, "%d", &m->ivalue) == 1;
  if (!ok)
    return fail(p, "Invalid syntax for address value");
  if (!source_address(p, host, &m->address))
    return fail(p, "Could not get address for hostname");
  request(p, p->e->command);
}

static void parse_int_modify(struct parser *p, char *line)
{
  parse_modify(p, line, false);
}

static void parse_float_modify(struct parser *p, char *line)
{
  parse_modify(p, line, true);
}

/* dfreq, doffset (with a message) and maxupdateskew, reselectdist
 * (chronyc fails those silently). */
static void parse_value(struct parser *p, char *line)
{
  if (sscanf(line, "%lf", &p->cmd->req.data.value) != 1)
    return fail(p, p->e->message);
  request(p, p->e->command);
}

static void parse_allow(struct parser *p, char *line)
{
  bool all;
  if (!allow_deny(p, line, &all, &p->cmd->req.data.allow))
    return fail(p, "Could not read address");
  request(p, all ? p->e->command2 : p->e->command);
}

static void parse_accheck(struct parser *p, char *line)
{
  struct cmd_ip *ip = &p->cmd->req.data.allow.ip;
  if (!sc_ip_parse(line, false, ip) &&
      !(*line && p->res && p->res->resolve && p->res->resolve(p->res->arg, line, ip)))
    return fail(p, "Could not read address");
  request(p, p->e->command);
}

static void parse_delete(struct parser *p, char *line)
{
  const char *host = next_word(&line);
  if (!*host)
    return fail(p, "Invalid syntax for address");
  if (!source_address(p, host, &p->cmd->req.data.ip))
    return fail(p, "Could not get address for hostname");
  request(p, CMD_DEL_SOURCE);
}

/* selectopts and offset (chronyc 4.4, 4.6): an address literal (or
 * ID#N), else a reference clock's refid; never a host name, which could
 * be taken for a refid. */
static bool source_or_refid(const char *s, struct cmd_ip *ip, uint32_t *ref_id)
{
  memset(ip, 0, sizeof(*ip));
  *ref_id = 0;
  return sc_ip_parse(s, true, ip) || sc_refid_parse(s, ref_id);
}

/* selectopts SOURCE [+|-OPTION]...: the options to change (mask) and
 * their new values (as add's flags). */
static void parse_selectopts(struct parser *p, char *line)
{
  static const struct { const char *name; uint32_t mask, flag; } options[] = {
    {"noselect", CMD_SD_OPT_NOSELECT, CMD_ADDSRC_NOSELECT},
    {"prefer", CMD_SD_OPT_PREFER, CMD_ADDSRC_PREFER},
    {"trust", CMD_SD_OPT_TRUST, CMD_ADDSRC_TRUST},
    {"require", CMD_SD_OPT_REQUIRE, CMD_ADDSRC_REQUIRE}};
  struct cmd_req_select_opts *o = &p->cmd->req.data.select_opts;
  if (!source_or_refid(next_word(&line), &o->address, &o->ref_id))
    return fail(p, "Invalid syntax for selectopts command");
  o->mask = o->options = 0;
  while (*line) {
    const char *opt = next_word(&line);
    size_t i = 0;
    while (i < sizeof(options) / sizeof(options[0]) && strcasecmp(opt + 1, options[i].name) != 0)
      i++;
    if ((opt[0] != '+' && opt[0] != '-') || i == sizeof(options) / sizeof(options[0]))
      return fail(p, "Invalid syntax for selectopts command");
    o->mask |= options[i].mask;
    if (opt[0] == '+')
      o->options |= options[i].flag;
  }
  request(p, CMD_MODIFY_SELECTOPTS);
}

/* offset SOURCE OFFSET */
static void parse_offset(struct parser *p, char *line)
{
  struct cmd_req_offset *o = &p->cmd->req.data.offset;
  if (!source_or_refid(next_word(&line), &o->address, &o->ref_id) ||
      sscanf(line, "%lf", &o->offset) != 1)
    return fail(p, "Invalid syntax for offset command");
  request(p, CMD_MODIFY_OFFSET);
}

static void parse_makestep(struct parser *p, char *line)
{
  struct cmd_req_makestep *m = &p->cmd->req.data.makestep;
  if (!*line)
    return request(p, CMD_MAKESTEP);
  int limit;
  if (sscanf(line, "%lf %d", &m->threshold, &limit) != 2)
    return fail(p, "Bad syntax for makestep command");
  m->limit = limit;
  request(p, CMD_MODIFY_MAKESTEP);
}

static void parse_local(struct parser *p, char *line)
{
  struct cmd_req_local *l = &p->cmd->req.data.local;
  memset(l, 0, sizeof(*l));
  if (strcmp(line, "off") == 0)
    return request(p, CMD_LOCAL2);
  l->on_off = 1;
  l->stratum = 10;
  l->distance = 1.0;
  l->wait_unsynced = -1.0;
  /* chronyc 4.8's options need its LOCAL3 (chronyd 4.3 has LOCAL2 only). */
  bool local3 = false;
  while (*line) {
    const char *opt = next_word(&line);
    bool ok = true;
    if (strcasecmp(opt, "stratum") == 0)
      ok = parse_int(next_word(&line), &l->stratum);
    else if (strcasecmp(opt, "distance") == 0)
      ok = parse_double(next_word(&line), &l->distance);
    else if (strcasecmp(opt, "orphan") == 0)
      l->orphan = 1;
    else if (strcasecmp(opt, "activate") == 0)
      ok = local3 = parse_double(next_word(&line), &l->activate);
    else if (strcasecmp(opt, "waitsynced") == 0)
      ok = local3 = parse_double(next_word(&line), &l->wait_synced);
    else if (strcasecmp(opt, "waitunsynced") == 0)
      ok = local3 = parse_double(next_word(&line), &l->wait_unsynced);
    else
      ok = false;
    if (!ok)
      return fail(p, "Invalid syntax for local command");
  }
  if (l->wait_unsynced < 0.0)      /* chronyc 4.8's default */
    l->wait_unsynced = l->orphan ? 300.0 : 0.0;
  if (!local3)
    l->wait_unsynced = 0.0;
  request(p, local3 ? CMD_LOCAL3 : CMD_LOCAL2);
}

static void parse_manual(struct parser *p, char *line)
{
  static const char *const options[] = {"off", "on", "reset"};
  if (strncmp(line, "list", 4) == 0)
    return report(p, SC_REP_MANUAL_LIST);
  if (strncmp(line, "delete", 6) == 0) {
    next_word(&line);
    int index;
    if (sscanf(line, "%d", &index) != 1)
      return fail(p, "Bad syntax for manual delete command");
    p->cmd->req.data.option = index;
    return request(p, CMD_MANUAL_DELETE);
  }
  for (int i = 0; i < 3; i++) {
    if (strcmp(line, options[i]) == 0) {
      p->cmd->req.data.option = i;
      return request(p, CMD_MANUAL);
    }
  }
  fail(p, "Invalid syntax for manual command");
}

/* settime TIME: read when it runs, against the clock then (as chronyc). */
static void parse_settime(struct parser *p, char *line)
{
  p->cmd->date = line;
  report(p, SC_REP_SETTIME);
}

/* reload sources; Stratum's own reload config [--dry-run] */
static void parse_reload(struct parser *p, char *line)
{
  const char *what = next_word(&line);
  if (strcmp(what, "config") == 0) {
    const char *opt = next_word(&line);
    p->cmd->dry_run = strcmp(opt, "--dry-run") == 0;
    if ((*opt && !p->cmd->dry_run) || *line)
      return fail(p, p->e->message);
    return report(p, SC_REP_RELOAD);
  }
  if (strcmp(what, "sources") != 0 || *line)
    return fail(p, p->e->message);
  request(p, CMD_RELOAD_SOURCES);
}

/* reset sources */
static void parse_sources_word(struct parser *p, char *line)
{
  if (strcmp(line, "sources") != 0)
    return fail(p, p->e->message);
  request(p, p->e->command);
}

static void parse_smoothtime(struct parser *p, char *line)
{
  if (strcmp(line, "reset") == 0)
    p->cmd->req.data.option = 0;
  else if (strcmp(line, "activate") == 0)
    p->cmd->req.data.option = 1;
  else
    return fail(p, "Invalid syntax for smoothtime command");
  request(p, CMD_SMOOTHTIME);
}

static void parse_clients(struct parser *p, char *line)
{
  while (*line) {
    const char *opt = next_word(&line);
    if (strcmp(opt, "-k") == 0) {
      p->cmd->nke = true;
    } else if (strcmp(opt, "-r") == 0) {
      p->cmd->reset = true;
    } else if (strcmp(opt, "-p") == 0) {
      if (sscanf(next_word(&line), "%u", &p->cmd->min_hits) != 1)
        return fail(p, "Invalid syntax for clients command");
    }
  }
  report(p, SC_REP_CLIENTS);
}

static void parse_address_report(struct parser *p, char *line)
{
  enum sc_report r = p->e->report;
  if (*line) {
    if (!source_address(p, line, &p->cmd->address))
      return fail(p, r == SC_REP_NTPDATA ? "Could not get address for hostname"
                                         : "Could not read address");
    p->cmd->have_address = true;
  } else if (r == SC_REP_SOURCENAME) {
    return fail(p, "Could not read address");
  }
  report(p, r);
}

/* waitsync [max-tries [max-correction [max-skew [interval]]]]: like
 * chronyc's sscanf, the values read before the first bad one count. */
static void parse_waitsync(struct parser *p, char *line)
{
  struct sc_command *c = p->cmd;
  double *values[] = {&c->max_correction, &c->max_skew, &c->interval};
  c->max_tries = 0;
  c->max_correction = c->max_skew = 0.0;
  c->interval = 10.0;
  if (sscanf(next_word(&line), "%d", &c->max_tries) == 1)
    for (int i = 0; i < 3 && sscanf(next_word(&line), "%lf", values[i]) == 1; i++)
      ;
  if (!(c->interval >= 0.1))
    c->interval = 0.1;
  report(p, SC_REP_WAITSYNC);
}

static void setting(struct parser *p, enum sc_setting s, int value)
{
  p->cmd->action = SC_ACT_SETTING;
  p->cmd->setting = s;
  p->cmd->value = value;
}

static void parse_dns(struct parser *p, char *line)
{
  static const struct { const char *word; enum sc_setting s; int value; } words[] = {
    {"-46", SC_SET_FAMILY, 0}, {"-4", SC_SET_FAMILY, 4}, {"-6", SC_SET_FAMILY, 6},
    {"-n", SC_SET_DNS, 0}, {"+n", SC_SET_DNS, 1}};
  for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
    if (strcmp(line, words[i].word) == 0)
      return setting(p, words[i].s, words[i].value);
  fail(p, "Unrecognized dns command");
}

static void parse_timeout(struct parser *p, char *line)
{
  int ms = atoi(line);
  if (ms < 100) {
    snprintf(p->cmd->message, sizeof(p->cmd->message), "Timeout %d is too short", ms);
    p->cmd->action = SC_ACT_ERROR;
    return;
  }
  setting(p, SC_SET_TIMEOUT, ms);
}

static void parse_retries(struct parser *p, char *line)
{
  int n = atoi(line);
  if (n < 0 || n > 30)
    return fail(p, "Invalid maximum number of retries");
  setting(p, SC_SET_RETRIES, n);
}

static void parse_quit(struct parser *p, char *line)
{
  (void)line;
  p->cmd->action = SC_ACT_QUIT;
}

static void parse_help(struct parser *p, char *line)
{
  (void)line;
  p->cmd->action = SC_ACT_HELP;
}

/* authhash, password: gone from chrony; a warning so scripts go on. */
static void parse_no_auth(struct parser *p, char *line)
{
  (void)line;
  p->cmd->action = SC_ACT_WARN;
  snprintf(p->cmd->message, sizeof(p->cmd->message), "Authentication is no longer supported");
}

/* keygen [ID [TYPE [BITS]]]: chronyc's defaults (1, SHA1, 160 bits), its
 * sscanf "%u" reading of the numbers, a hash's key of BITS rounded up to
 * bytes, a cipher's of its own length, 10 to 512 bytes. */
static void parse_keygen(struct parser *p, char *line)
{
  struct sc_command *c = p->cmd;
  const char *words[3] = {NULL, NULL, NULL};
  int n = 0;
  while (*line) {
    const char *w = next_word(&line);
    if (n < 3)
      words[n] = w;
    n++;
  }
  unsigned id = 1, bits = 160;
  const char *type = n >= 2 ? words[1] : "SHA1";
  if (n > 3 || (n >= 1 && sscanf(words[0], "%u", &id) != 1) ||
      (n >= 3 && sscanf(words[2], "%u", &bits) != 1)) {
    snprintf(c->message, sizeof(c->message), "Invalid syntax for keygen command");
    c->action = SC_ACT_ERROR;
    return;
  }
  enum ntp_key_type t;
  if (strlen(type) >= sizeof(c->key_type) || !ntp_key_type_from_name(type, &t)) {
    snprintf(c->message, sizeof(c->message), "Unknown hash function or cipher %.60s", type);
    c->action = SC_ACT_ERROR;
    return;
  }
  size_t len = ntp_key_type_key_len(t);
  if (len == 0)
    len = bits / 8 + (bits % 8 != 0);
  c->key_len = len < 10 ? 10 : len > 512 ? 512 : (unsigned)len;
  c->key_id = id;
  snprintf(c->key_type, sizeof(c->key_type), "%s", type);
  c->action = SC_ACT_KEYGEN;
}

/* ---------------------------------------------------------------- dispatch */

#define LINE(n, f) {n, f, 0, 0, 0, NULL}
#define CMD(n, f, c) {n, f, c, 0, 0, NULL}
#define CMD2(n, c, c2) {n, parse_allow, c, c2, 0, NULL}
#define REPORT(n, f, r) {n, f, 0, 0, r, NULL}
#define VALUE(n, c, m) {n, parse_value, c, 0, 0, m}

static const struct command_entry commands[] = {
  CMD("accheck", parse_accheck, CMD_ACCHECK),
  REPORT("activity", parse_report, SC_REP_ACTIVITY),
  LINE("add", parse_add),
  CMD2("allow", CMD_ALLOW, CMD_ALLOWALL),
  LINE("authhash", parse_no_auth),
  REPORT("authdata", parse_report_opts, SC_REP_AUTHDATA),
  LINE("burst", parse_burst),
  LINE("clients", parse_clients),
  CMD("cmdaccheck", parse_accheck, CMD_CMDACCHECK),
  CMD2("cmdallow", CMD_CMDALLOW, CMD_CMDALLOWALL),
  CMD2("cmddeny", CMD_CMDDENY, CMD_CMDDENYALL),
  CMD("cyclelogs", parse_plain, CMD_CYCLELOGS),
  LINE("delete", parse_delete),
  CMD2("deny", CMD_DENY, CMD_DENYALL),
  VALUE("dfreq", CMD_DFREQ, "Invalid value"),
  LINE("dns", parse_dns),
  VALUE("doffset", CMD_DOFFSET2, "Invalid value"),
  CMD("dump", parse_plain, CMD_DUMP),
  LINE("exit", parse_quit),
  LINE("help", parse_help),
  LINE("keygen", parse_keygen),
  LINE("local", parse_local),
  LINE("makestep", parse_makestep),
  LINE("manual", parse_manual),
  CMD("maxdelay", parse_float_modify, CMD_MODIFY_MAXDELAY),
  CMD("maxdelaydevratio", parse_float_modify, CMD_MODIFY_MAXDELAYDEVRATIO),
  CMD("maxdelayratio", parse_float_modify, CMD_MODIFY_MAXDELAYRATIO),
  CMD("maxpoll", parse_int_modify, CMD_MODIFY_MAXPOLL),
  VALUE("maxupdateskew", CMD_MODIFY_MAXUPDATESKEW, ""),
  REPORT("metrics", parse_report, SC_REP_METRICS),
  CMD("minpoll", parse_int_modify, CMD_MODIFY_MINPOLL),
  CMD("minstratum", parse_int_modify, CMD_MODIFY_MINSTRATUM),
  REPORT("ntpdata", parse_address_report, SC_REP_NTPDATA),
  CMD("offline", parse_mask_request, CMD_OFFLINE),
  LINE("offset", parse_offset),
  CMD("online", parse_mask_request, CMD_ONLINE),
  CMD("onoffline", parse_plain, CMD_ONOFFLINE),
  LINE("password", parse_no_auth),
  CMD("polltarget", parse_int_modify, CMD_MODIFY_POLLTARGET),
  LINE("quit", parse_quit),
  CMD("refresh", parse_plain, CMD_REFRESH),
  CMD("rekey", parse_plain, CMD_REKEY),
  {"reload", parse_reload, 0, 0, 0, "Invalid syntax for reload command"},
  CMD("reselect", parse_plain, CMD_RESELECT),
  VALUE("reselectdist", CMD_RESELECTDISTANCE, ""),
  {"reset", parse_sources_word, CMD_RESET_SOURCES, 0, 0, "Invalid syntax for reset command"},
  LINE("retries", parse_retries),
  REPORT("rtcdata", parse_report, SC_REP_RTCDATA),
  REPORT("selectdata", parse_report_opts, SC_REP_SELECTDATA),
  LINE("selectopts", parse_selectopts),
  REPORT("serverstats", parse_report, SC_REP_SERVERSTATS),
  LINE("settime", parse_settime),
  CMD("shutdown", parse_plain, CMD_SHUTDOWN),
  REPORT("smoothing", parse_report, SC_REP_SMOOTHING),
  LINE("smoothtime", parse_smoothtime),
  REPORT("sourcename", parse_address_report, SC_REP_SOURCENAME),
  REPORT("sources", parse_report_opts, SC_REP_SOURCES),
  REPORT("sourcestats", parse_report_opts, SC_REP_SOURCESTATS),
  LINE("timeout", parse_timeout),
  REPORT("tracking", parse_report, SC_REP_TRACKING),
  CMD("trimrtc", parse_plain, CMD_TRIMRTC),
  LINE("waitsync", parse_waitsync),
  CMD("writertc", parse_plain, CMD_WRITERTC),
};

const char *sc_command_name(unsigned i)
{
  return i < sizeof(commands) / sizeof(commands[0]) ? commands[i].name : NULL;
}

void sc_parse_command(char *line, const struct sc_resolver *r, struct sc_command *cmd)
{
  struct parser p = {cmd, r, NULL};
  memset(cmd, 0, sizeof(*cmd));
  sc_normalize_line(line);
  if (!*line)
    return;                        /* SC_ACT_NONE */
  const char *word = next_word(&line);
  snprintf(cmd->name, sizeof(cmd->name), "%s", word);
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
    if (strcmp(commands[i].name, word) == 0) {
      p.e = &commands[i];
      p.e->parse(&p, line);
      return;
    }
  }
  fail(&p, "Unrecognized command");
}
