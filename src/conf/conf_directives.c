#include "conf/conf_directives.h"

#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "conf/conf_clock.h"
#include "conf/conf_include.h"
#include "conf/conf_log.h"
#include "conf/conf_mem.h"
#include "conf/conf_net.h"
#include "conf/conf_nts.h"
#include "conf/conf_refclock.h"
#include "conf/conf_service.h"
#include "conf/conf_source.h"
#include "conf/conf_value.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define C(m) offsetof(struct config, m)
#define ARGS(...) .args = (const struct conf_field[]){__VA_ARGS__}, \
  .n_args = N(((const struct conf_field[]){__VA_ARGS__}))
/* A positional argument: usage name, type, member of struct config. */
#define VAL(usage, type_, m, ...) {.name = usage, .type = type_, .offset = C(m), __VA_ARGS__}

#define D_FLAG(n, m, ...) {.name = n, ARGS({.type = CONF_T_FLAG, .offset = C(m)}), __VA_ARGS__}
#define D_INT(n, m, usage, lo, hi, ...) \
  {.name = n, ARGS(VAL(usage, CONF_T_INT, m, .min = lo, .max = hi)), __VA_ARGS__}
#define D_DOUBLE(n, m, usage, ...) {.name = n, ARGS(VAL(usage, CONF_T_DOUBLE, m)), __VA_ARGS__}
#define D_STRING(n, m, usage, ...) {.name = n, ARGS(VAL(usage, CONF_T_STRING, m)), __VA_ARGS__}
#define D_KEYWORD(n, m, usage, names, ...) \
  {.name = n, ARGS(VAL(usage, CONF_T_KEYWORD, m, .keywords = names, .n_keywords = N(names))), \
   __VA_ARGS__}
#define D_CUSTOM(n, fn, ...) \
  {.name = n, .parse = conf_##fn##_parse, .print = conf_##fn##_print, __VA_ARGS__}
#define D_PARSE(n, fn, ...) {.name = n, .parse = conf_##fn##_parse, __VA_ARGS__}
#define D_BOTH(n, parse_fn, print_fn, ...) \
  {.name = n, .parse = conf_##parse_fn##_parse, .print = conf_##print_fn##_print, __VA_ARGS__}
#define D_OBSOLETE(n) {.name = n, .obsolete = true}
#define D_SILENT(n) {.name = n, .obsolete = true, .silent = true}

static const char *const authselectmodes[] = {
  [CONF_AUTHSELECT_REQUIRE] = "require", [CONF_AUTHSELECT_PREFER] = "prefer",
  [CONF_AUTHSELECT_MIX] = "mix", [CONF_AUTHSELECT_IGNORE] = "ignore",
};
static const char *const leapsecmodes[] = {
  [CONF_LEAPSEC_SYSTEM] = "system", [CONF_LEAPSEC_SLEW] = "slew",
  [CONF_LEAPSEC_STEP] = "step", [CONF_LEAPSEC_IGNORE] = "ignore",
};

/* The order of chrony.conf(5); printing follows it. Every source (server,
 * pool, peer) is printed by the server entry, every allow/deny rule by the
 * allow entry, so that file order is kept. `runtime`: what the daemon's
 * reload applies (daemon/reload.h). */
static const struct conf_directive directives[] = {
  /* Time sources */
  D_BOTH("server", server, sources, .runtime = true),
  D_PARSE("pool", pool, .runtime = true),
  D_PARSE("peer", peer, .runtime = true),
  D_CUSTOM("initstepslew", initstepslew),
  D_CUSTOM("refclock", refclock),
  D_FLAG("manual", manual),
  D_INT("acquisitionport", acquisitionport, "PORT", 0, 65535),
  D_CUSTOM("bindacqaddress", bindacqaddress),
  D_STRING("bindacqdevice", bindacqdevice, "INTERFACE"),
  D_INT("dscp", dscp, "POINT", 0, 63),
  D_STRING("dumpdir", dumpdir, "DIRECTORY", .runtime = true),
  D_INT("maxsamples", maxsamples, "SAMPLES", 0, INT_MAX),
  D_INT("minsamples", minsamples, "SAMPLES", 0, INT_MAX),
  D_CUSTOM("ntsaeads", ntsaeads),
  D_STRING("ntsdumpdir", ntsdumpdir, "DIRECTORY"),
  D_STRING("ntscachedir", ntsdumpdir, "DIRECTORY", .alias = true),
  D_INT("ntsrefresh", ntsrefresh, "INTERVAL", 0, INT_MAX),
  D_CUSTOM("ntstrustedcerts", ntstrustedcerts),
  D_FLAG("nosystemcert", nosystemcert),
  D_INT("nocerttimecheck", nocerttimecheck, "LIMIT", 0, INT_MAX),
  D_INT("refresh", refresh, "INTERVAL", 0, INT_MAX),
  D_CUSTOM("sourcedir", sourcedir, .runtime = true),

  /* Source selection */
  D_KEYWORD("authselectmode", authselectmode, "MODE", authselectmodes),
  D_DOUBLE("combinelimit", combinelimit, "LIMIT", .runtime = true),
  {.name = "maxdistance", ARGS(VAL("DISTANCE", CONF_T_DOUBLE, maxdistance, .always = true)), .runtime = true},
  D_DOUBLE("maxjitter", maxjitter, "JITTER", .runtime = true),
  D_INT("maxstratum", maxstratum, "STRATUM", 0, INT_MAX),
  D_INT("minstratum", minstratum, "STRATUM", 0, INT_MAX),
  {.name = "minsources",
   ARGS(VAL("SOURCES", CONF_T_INT, minsources, .min = 1, .max = INT_MAX, .always = true)), .runtime = true},
  D_DOUBLE("reselectdist", reselectdist, "DISTANCE", .runtime = true),
  D_DOUBLE("stratumweight", stratumweight, "DISTANCE", .runtime = true),

  /* System clock */
  D_DOUBLE("clockprecision", clockprecision, "PRECISION"),
  D_DOUBLE("corrtimeratio", corrtimeratio, "RATIO"),
  D_CUSTOM("driftfile", driftfile, .runtime = true),
  {.name = "fallbackdrift",
   ARGS(VAL("MIN-INTERVAL", CONF_T_INT, fallbackdrift_min, .min = -32, .max = 32),
        VAL("MAX-INTERVAL", CONF_T_INT, fallbackdrift_max, .min = -32, .max = 32))},
  D_KEYWORD("leapsecmode", leapsecmode, "MODE", leapsecmodes),
  D_STRING("leapsectz", leapsectz, "TIMEZONE"),
  D_STRING("leapseclist", leapseclist, "FILE"),
  {.name = "makestep",
   ARGS(VAL("THRESHOLD", CONF_T_DOUBLE, makestep_threshold),
        VAL("LIMIT", CONF_T_INT, makestep_limit, .min = INT_MIN, .max = INT_MAX)), .runtime = true},
  {.name = "maxchange",
   ARGS(VAL("OFFSET", CONF_T_DOUBLE, maxchange_offset),
        VAL("START", CONF_T_INT, maxchange_start, .min = INT_MIN, .max = INT_MAX),
        VAL("IGNORE", CONF_T_INT, maxchange_ignore, .min = INT_MIN, .max = INT_MAX)), .runtime = true},
  D_DOUBLE("maxclockerror", maxclockerror, "ERROR-IN-PPM"),
  D_DOUBLE("maxdrift", maxdrift, "DRIFT-IN-PPM"),
  D_DOUBLE("maxupdateskew", maxupdateskew, "SKEW-IN-PPM", .runtime = true),
  D_DOUBLE("maxslewrate", maxslewrate, "RATE-IN-PPM"),
  D_CUSTOM("tempcomp", tempcomp),

  /* NTP server */
  D_BOTH("allow", allow, access, .runtime = true),
  D_PARSE("deny", deny, .runtime = true),
  D_CUSTOM("bindaddress", bindaddress),
  D_STRING("binddevice", binddevice, "INTERFACE"),
  D_CUSTOM("broadcast", broadcast),
  D_INT("serverworkers", serverworkers, "WORKERS", 0, 64),
  {.name = "clientloglimit", ARGS(VAL("LIMIT", CONF_T_U64, clientloglimit))},
  D_FLAG("noclientlog", noclientlog),
  D_CUSTOM("local", local, .runtime = true),
  D_STRING("ntpsigndsocket", ntpsigndsocket, "DIRECTORY"),
  {.name = "ntsport", ARGS(VAL("PORT", CONF_T_U16, ntsport))},
  D_CUSTOM("ntsservercert", ntsservercert),
  D_CUSTOM("ntsserverkey", ntsserverkey),
  D_INT("ntsprocesses", ntsprocesses, "PROCESSES", 0, 1000),
  D_INT("maxntsconnections", maxntsconnections, "CONNECTIONS", 1, INT_MAX),
  D_STRING("ntsntpserver", ntsntpserver, "HOSTNAME"),
  D_INT("ntsrotate", ntsrotate, "INTERVAL", 0, INT_MAX),
  {.name = "port", ARGS(VAL("PORT", CONF_T_U16, port, .always = true))},
  D_CUSTOM("ratelimit", ratelimit, .runtime = true),
  D_CUSTOM("ntsratelimit", ntsratelimit, .runtime = true),
  {.name = "smoothtime",
   ARGS(VAL("MAX-FREQ", CONF_T_DOUBLE, smoothtime_maxfreq),
        VAL("MAX-WANDER", CONF_T_DOUBLE, smoothtime_maxwander),
        VAL("leaponly", CONF_T_FLAG, smoothtime_leaponly))},

  /* Command and monitoring access */
  D_CUSTOM("bindcmdaddress", bindcmdaddress),
  D_STRING("bindcmddevice", bindcmddevice, "INTERFACE"),
  D_BOTH("cmdallow", cmdallow, cmd_access, .runtime = true),
  D_PARSE("cmddeny", cmddeny, .runtime = true),
  {.name = "cmdport", ARGS(VAL("PORT", CONF_T_U16, cmdport, .always = true))},
  D_CUSTOM("cmdratelimit", cmdratelimit, .runtime = true),
  D_CUSTOM("opencommands", opencommands, .runtime = true),
  /* Stratum's own: Prometheus' text format over HTTP */
  D_CUSTOM("bindmetricsaddress", bindmetricsaddress, .runtime = true),
  {.name = "metricsport", ARGS(VAL("PORT", CONF_T_U16, metricsport)),
   .runtime = true},

  /* Real-time clock */
  D_STRING("hwclockfile", hwclockfile, "FILE"),
  D_DOUBLE("rtcautotrim", rtcautotrim, "THRESHOLD"),
  D_STRING("rtcdevice", rtcdevice, "DEVICE"),
  D_STRING("rtcfile", rtcfile, "FILE"),
  D_FLAG("rtconutc", rtconutc),
  D_FLAG("rtcsync", rtcsync, .runtime = true),

  /* Logging */
  D_CUSTOM("log", log, .runtime = true),
  D_INT("logbanner", logbanner, "ENTRIES", 0, INT_MAX, .runtime = true),
  D_DOUBLE("logchange", logchange, "THRESHOLD", .runtime = true),
  D_STRING("logdir", logdir, "DIRECTORY", .runtime = true),
  {.name = "mailonchange",
   ARGS(VAL("EMAIL", CONF_T_STRING, mailonchange_address),
        VAL("THRESHOLD", CONF_T_DOUBLE, mailonchange_threshold))},

  /* Miscellaneous */
  D_PARSE("confdir", confdir),
  D_PARSE("include", include),
  D_CUSTOM("hwtimestamp", hwtimestamp),
  D_DOUBLE("hwtstimeout", hwtstimeout, "TIMEOUT"),
  D_INT("maxtxbuffers", maxtxbuffers, "MESSAGES", 0, 1048576),
  D_STRING("keyfile", keyfile, "FILE", .runtime = true),
  D_FLAG("lock_all", lock_all),
  D_CUSTOM("pidfile", pidfile),
  {.name = "ptpport", ARGS(VAL("PORT", CONF_T_U16, ptpport))},
  D_INT("ptpdomain", ptpdomain, "DOMAIN", 0, 255),
  D_INT("sched_priority", sched_priority, "PRIORITY", 0, 100),
  D_STRING("user", user, "USER"),

  /* No longer supported by chrony: its warning (none for dumponexit, which
   * chronyd ignores silently), never an error. */
  D_OBSOLETE("commandkey"),
  D_SILENT("dumponexit"),
  D_OBSOLETE("generatecommandkey"),
  D_OBSOLETE("linux_freq_scale"),
  D_OBSOLETE("linux_hz"),
};

const struct conf_directive *conf_directive_find(const char *name)
{
  for (size_t i = 0; i < N(directives); i++) {
    if (strcasecmp(directives[i].name, name) == 0)
      return &directives[i];
  }
  return NULL;
}

const struct conf_directive *conf_directive_at(unsigned i)
{
  return i < N(directives) ? &directives[i] : NULL;
}

unsigned conf_directive_count(void)
{
  return N(directives);
}

/* A FLAG without a name is the directive itself; a named FLAG is an
 * optional trailing keyword. Other fields take one word each. */
static bool is_self_flag(const struct conf_field *f)
{
  return f->type == CONF_T_FLAG && !f->name;
}

static void usage_of(const struct conf_directive *d, char *buf, size_t size)
{
  size_t len = 0;
  buf[0] = '\0';
  for (unsigned i = 0; i < d->n_args && len < size; i++) {
    const struct conf_field *f = &d->args[i];
    if (!is_self_flag(f))
      len += (size_t)snprintf(buf + len, size - len, f->type == CONF_T_FLAG ? "%s[%s]" : "%s%s",
                              len ? " " : "", f->name);
  }
}

static bool parse_args(struct conf_ctx *x, const struct conf_directive *d, struct config *c,
                       int argc, const char *const *argv)
{
  int required = 0, words = 0, k = 0;
  char usage[128];
  for (unsigned i = 0; i < d->n_args; i++) {
    words += !is_self_flag(&d->args[i]);
    required += d->args[i].type != CONF_T_FLAG;
  }
  usage_of(d, usage, sizeof(usage));
  if (!conf_arg_count(x, argc, required, words, usage))
    return false;
  for (unsigned i = 0; i < d->n_args; i++) {
    const struct conf_field *f = &d->args[i];
    bool *flag = (bool *)((char *)c + f->offset);
    if (is_self_flag(f)) {
      *flag = true;
    } else if (f->type == CONF_T_FLAG) {
      *flag = k < argc;
      if (k < argc && strcasecmp(argv[k++], f->name) != 0) {
        conf_error(x, "expected '%s', got '%.64s'", f->name, argv[k - 1]);
        return false;
      }
    } else if (!conf_field_parse(x, f, c, NULL, argv[k++])) {
      return false;
    }
  }
  return true;
}

static void print_args(const struct conf_directive *d, const struct config *c,
                       const struct config *def, FILE *out)
{
  bool show = false;
  for (unsigned i = 0; i < d->n_args; i++)
    show = show || d->args[i].always || !conf_field_equal(&d->args[i], c, def);
  if (!show)
    return;
  fputs(d->name, out);
  for (unsigned i = 0; i < d->n_args; i++) {
    const struct conf_field *f = &d->args[i];
    if (f->type == CONF_T_FLAG) {
      if (f->name && *(const bool *)((const char *)c + f->offset))
        fprintf(out, " %s", f->name);
    } else {
      fputc(' ', out);
      conf_field_print_value(out, f, c);
    }
  }
  fputc('\n', out);
}

/* The line of a directive's last occurrence (an alias's is its entry's). */
static void note_where(const struct conf_ctx *x, struct config *c, const struct conf_directive *d)
{
  size_t i = (size_t)(d - directives) - (d->alias ? 1 : 0);
  if (!c->where) {
    c->where = conf_xmalloc(N(directives) * sizeof(*c->where));
    memset(c->where, 0, N(directives) * sizeof(*c->where));
  }
  c->where[i] = (struct conf_where){x->file, x->line};
}

void conf_directives_parse_line(struct conf_ctx *x, struct config *c,
                                const struct conf_line *line)
{
  struct conf_words w;
  enum conf_lex lex = conf_split(line, &w);
  if (lex == CONF_LEX_BLANK)
    return;

  const struct conf_directive *d = w.n > 0 ? conf_directive_find(w.v[0]) : NULL;
  x->directive = d ? d->name : w.n > 0 ? w.v[0] : "(none)";
  if (lex == CONF_LEX_TOO_LONG) {
    conf_error(x, "line too long (at most %d characters with the newline)", CONF_LINE_MAX - 1);
  } else if (lex == CONF_LEX_NUL) {
    conf_error(x, "line contains a NUL byte");
  } else if (!d) {
    conf_error(x, "unknown directive");
  } else if (d->obsolete) {
    if (!d->silent)
      conf_warn(x, "directive is no longer supported");   /* chronyd's words */
  } else if (d->parse ? d->parse(x, c, w.n - 1, w.v + 1) : parse_args(x, d, c, w.n - 1, w.v + 1)) {
    note_where(x, c, d);
  }
}

void conf_directive_print(const struct conf_directive *d, const struct config *c,
                          const struct config *def, FILE *out)
{
  if (d->obsolete || d->alias)
    return;
  if (d->print)
    d->print(c, out);
  else if (d->args)
    print_args(d, c, def, out);
}

void conf_directives_print(const struct config *c, FILE *out)
{
  struct config def;
  conf_init(&def);
  for (size_t i = 0; i < N(directives); i++)
    conf_directive_print(&directives[i], c, &def, out);
  conf_free(&def);
}
