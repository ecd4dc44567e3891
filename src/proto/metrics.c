/* metrics: cmdmon reports -> Prometheus text (see metrics.h). */
#include "proto/metrics.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/num.h"

#define LOCAL_REFID 0x7f7f0101u        /* 127.127.1.1: the local reference */
#define NO_SAMPLE_AGO 0xffffffffu      /* since_sample of a source without one */
#define LABELS_LEN 1024                /* every label set fits: names are < 256 bytes */
#define VALUE_LEN 40

/* ---------------------------------------------------------------- fetching */

/* 1: the reply asked for; 0: refused or another reply; -1: none at all. */
static int ask(struct metrics_reports *r, metrics_exchange_fn *exchange, void *arg,
               struct cmd_request *q, struct cmd_reply *rpy)
{
  memset(rpy, 0, sizeof(*rpy));
  if (!exchange(arg, q, rpy)) {
    r->up = false;
    return -1;
  }
  /* chronyd 4.3 answers serverstats and ntpdata in their older formats */
  return rpy->status == CMD_STT_SUCCESS && cmd_reply_answers(q->command, rpy->reply);
}

static bool is_address(const struct cmd_ip *ip)
{
  return ip->family == CMD_IP_INET4 || ip->family == CMD_IP_INET6;
}

/* The requests about one source; -1 when one had no reply. */
static int fetch_source(struct metrics_reports *r, metrics_exchange_fn *exchange, void *arg,
                        uint32_t index, struct metrics_source *s)
{
  struct cmd_request q;
  struct cmd_reply rpy;
  int got;
  memset(&q, 0, sizeof(q));
  q.command = CMD_SOURCE_DATA;
  q.data.index = index;
  if ((got = ask(r, exchange, arg, &q, &rpy)) < 0)
    return -1;
  if (got) {
    s->have_data = true;
    s->data = rpy.data.source_data;
  }
  if (s->have_data && is_address(&s->data.ip) && s->data.mode != CMD_SD_MODE_REF) {
    memset(&q, 0, sizeof(q));
    q.command = CMD_NTP_SOURCE_NAME;
    q.data.ip = s->data.ip;
    if ((got = ask(r, exchange, arg, &q, &rpy)) < 0)
      return -1;
    size_t len = got ? strnlen(rpy.data.name, sizeof(s->name) - 1) : 0;
    memcpy(s->name, rpy.data.name, len);
    s->name[len] = '\0';
    s->have_name = len > 0;
    memset(&q, 0, sizeof(q));
    q.command = CMD_NTP_DATA;
    q.data.ip = s->data.ip;
    if ((got = ask(r, exchange, arg, &q, &rpy)) < 0)
      return -1;
    if (got) {
      s->have_ntp_data = true;
      s->ntp_data = rpy.data.ntp_data;
    }
  }
  memset(&q, 0, sizeof(q));
  q.command = CMD_SOURCESTATS;
  q.data.index = index;
  if ((got = ask(r, exchange, arg, &q, &rpy)) < 0)
    return -1;
  if (got) {
    s->have_stats = true;
    s->stats = rpy.data.sourcestats;
  }
  return 0;
}

bool metrics_fetch(struct metrics_reports *r, metrics_exchange_fn *exchange, void *arg)
{
  struct cmd_request q;
  struct cmd_reply rpy;
  int got;
  memset(r, 0, sizeof(*r));
  r->up = true;

  memset(&q, 0, sizeof(q));
  q.command = CMD_TRACKING;
  if ((got = ask(r, exchange, arg, &q, &rpy)) < 0)
    return true;
  if (got) {
    r->have_tracking = true;
    r->tracking = rpy.data.tracking;
  }

  memset(&q, 0, sizeof(q));
  q.command = CMD_N_SOURCES;
  if ((got = ask(r, exchange, arg, &q, &rpy)) < 0)
    return true;
  uint32_t n = got ? rpy.data.n_sources : 0;
  if (n > METRICS_MAX_SOURCES)
    n = METRICS_MAX_SOURCES;
  if (n > 0 && !(r->sources = calloc(n, sizeof(*r->sources))))
    return false;
  r->n_sources = n;
  for (uint32_t i = 0; i < n; i++)
    if (fetch_source(r, exchange, arg, i, &r->sources[i]) < 0)
      return true;

  memset(&q, 0, sizeof(q));
  q.command = CMD_SERVER_STATS;
  if ((got = ask(r, exchange, arg, &q, &rpy)) < 0)
    return true;
  if (got) {
    r->have_server_stats = true;
    r->have_timestamp_stats = rpy.reply == CMD_RPY_SERVER_STATS4;
    r->server_stats = rpy.data.server_stats;
  }

  /* No records asked for: only the size of the log. */
  memset(&q, 0, sizeof(q));
  q.command = CMD_CLIENT_ACCESSES_BY_INDEX3;
  if ((got = ask(r, exchange, arg, &q, &rpy)) < 0)
    return true;
  if (got) {
    r->have_clients = true;
    r->client_log_records = rpy.data.clients.n_indices;
  }
  return true;
}

void metrics_reports_free(struct metrics_reports *r)
{
  free(r->sources);
  r->sources = NULL;
  r->n_sources = 0;
}

/* ---------------------------------------------------------------- text */

static void append(struct metrics_text *t, const char *s, size_t n)
{
  if (t->failed)
    return;
  if (t->len + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + n + 1)
      cap *= 2;
    if (cap > METRICS_MAX_TEXT + 1)
      cap = METRICS_MAX_TEXT + 1;
    char *d = t->len + n + 1 <= cap ? realloc(t->data, cap) : NULL;
    if (!d) {
      t->failed = true;
      return;
    }
    t->data = d;
    t->cap = cap;
  }
  memcpy(t->data + t->len, s, n);
  t->len += n;
  t->data[t->len] = '\0';
}

static void append_str(struct metrics_text *t, const char *s)
{
  append(t, s, strlen(s));
}

void metrics_text_free(struct metrics_text *t)
{
  free(t->data);
  memset(t, 0, sizeof(*t));
}

/* A bounded string being built (labels, values). */
struct sbuf {
  char *p;
  size_t cap, len;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
  va_end(ap);
  if (n > 0)
    b->len += (size_t)n < b->cap - b->len ? (size_t)n : b->cap - b->len - 1;
}

/* name="value" (after a comma unless first), the value escaped. */
static void sb_label(struct sbuf *b, const char *name, const char *value)
{
  sb_printf(b, "%s%s=\"", b->len ? "," : "", name);
  for (const unsigned char *c = (const unsigned char *)value; *c && b->len + 3 < b->cap; c++) {
    if (*c == '\\' || *c == '"') {
      b->p[b->len++] = '\\';
      b->p[b->len++] = (char)*c;
    } else if (*c == '\n') {
      b->p[b->len++] = '\\';
      b->p[b->len++] = 'n';
    } else {
      b->p[b->len++] = *c >= 0x20 && *c < 0x7f ? (char)*c : '?';
    }
  }
  b->p[b->len] = '\0';
  sb_printf(b, "\"");
}

/* The shortest decimal that reads back as v; Prometheus' NaN and +-Inf. */
static void format_double(char *buf, size_t cap, double v)
{
  if (isnan(v)) {
    snprintf(buf, cap, "NaN");
    return;
  }
  if (isinf(v)) {
    snprintf(buf, cap, v > 0 ? "+Inf" : "-Inf");
    return;
  }
  /* the fewest significant digits, then without an exponent when that
   * stays short (0.0001 to 1e21, as JavaScript prints numbers) */
  int digits = 1;
  for (; digits < 17; digits++) {
    snprintf(buf, cap, "%.*e", digits - 1, v);
    if (strtod(buf, NULL) == v)
      break;
  }
  snprintf(buf, cap, "%.*e", digits - 1, v);
  const char *e = strchr(buf, 'e');
  int exp = e ? atoi(e + 1) : 0;
  if (exp >= -4 && exp < 21)
    snprintf(buf, cap, "%.*f", digits - 1 - exp > 0 ? digits - 1 - exp : 0, v);
}

struct family {
  const char *name, *help;
  bool counter;
};

static void header(struct metrics_text *t, const struct family *f)
{
  append_str(t, "# HELP ");
  append_str(t, f->name);
  append_str(t, " ");
  append_str(t, f->help);           /* help texts here have no \ or newline */
  append_str(t, "\n# TYPE ");
  append_str(t, f->name);
  append_str(t, f->counter ? " counter\n" : " gauge\n");
}

static void sample(struct metrics_text *t, const char *name, const char *labels, const char *value)
{
  append_str(t, name);
  if (labels && *labels) {
    append_str(t, "{");
    append_str(t, labels);
    append_str(t, "}");
  }
  append_str(t, " ");
  append_str(t, value);
  append_str(t, "\n");
}

static void sample_double(struct metrics_text *t, const char *name, const char *labels, double v)
{
  char value[VALUE_LEN];
  format_double(value, sizeof(value), v);
  sample(t, name, labels, value);
}

static void sample_u64(struct metrics_text *t, const char *name, const char *labels, uint64_t v)
{
  char value[VALUE_LEN];
  snprintf(value, sizeof(value), "%" PRIu64, v);
  sample(t, name, labels, value);
}

/* A family of one unlabelled sample. */
static void single_double(struct metrics_text *t, const struct family *f, double v)
{
  header(t, f);
  sample_double(t, f->name, NULL, v);
}

static void single_u64(struct metrics_text *t, const struct family *f, uint64_t v)
{
  header(t, f);
  sample_u64(t, f->name, NULL, v);
}

/* ---------------------------------------------------------------- names */

static uint32_t ip_u32(const struct cmd_ip *ip)
{
  return (uint32_t)ip->bytes[0] << 24 | (uint32_t)ip->bytes[1] << 16 |
         (uint32_t)ip->bytes[2] << 8 | ip->bytes[3];
}

/* chrony_exporter's RefidToString: the letters, NULs skipped, or hex if a
 * byte is not printable. */
static void refid_string(uint32_t refid, char *buf, size_t cap)
{
  size_t n = 0;
  for (int i = 0; i < 4; i++) {
    unsigned char c = (unsigned char)(refid >> (24 - 8 * i));
    if (c == 0)
      continue;
    if (c < 0x20 || c >= 0x7f) {
      snprintf(buf, cap, "%08" PRIX32, refid);
      return;
    }
    if (n + 1 < cap)
      buf[n++] = (char)c;
  }
  buf[n < cap ? n : cap - 1] = '\0';
}

static void ip_string(const struct cmd_ip *ip, char *buf, size_t cap)
{
  switch (ip->family) {
  case CMD_IP_INET4:
    snprintf(buf, cap, "%u.%u.%u.%u", ip->bytes[0], ip->bytes[1], ip->bytes[2], ip->bytes[3]);
    break;
  case CMD_IP_INET6:
    if (!inet_ntop(AF_INET6, ip->bytes, buf, (socklen_t)cap))
      snprintf(buf, cap, "?");
    break;
  case CMD_IP_ID:
    snprintf(buf, cap, "ID#%010" PRIu32, ip_u32(ip));
    break;
  default:
    snprintf(buf, cap, "%s", "");
  }
}

static bool same_ip(const struct cmd_ip *a, const struct cmd_ip *b)
{
  size_t n = a->family == CMD_IP_INET6 ? 16 : 4;
  return a->family == b->family && memcmp(a->bytes, b->bytes, n) == 0;
}

/* The configured name of the source with this address, if known. */
static const char *name_of(const struct metrics_reports *r, const struct cmd_ip *ip)
{
  for (uint32_t i = 0; i < r->n_sources; i++) {
    const struct metrics_source *s = &r->sources[i];
    if (s->have_data && s->have_name && same_ip(&s->data.ip, ip))
      return s->name;
  }
  return NULL;
}

/* ---------------------------------------------------------------- tracking */

#define F(n, h) {"chrony_tracking_" n, h, false}
static const struct family tracking_info = F("info", "Chrony tracking info"),
  tracking_last_offset = F("last_offset_seconds", "Chrony tracking last offset in seconds"),
  tracking_ref_time = F("reference_timestamp_seconds", "Chrony tracking Reference timestamp"),
  tracking_system_time = F("system_time_seconds", "Chrony tracking System time"),
  tracking_remote = F("remote_reference", "Chrony tracking is connected to a remote source"),
  tracking_rms_offset = F("rms_offset_seconds", "Chrony tracking long-term average of the offset"),
  tracking_root_delay = F("root_delay_seconds",
                          "This is the total of the network path delays to the stratum-1 "
                          "computer from which the computer is ultimately synchronised"),
  tracking_root_dispersion = F("root_dispersion_seconds",
                               "Chrony tracking total of all measurement errors to the NTP root"),
  tracking_frequency = F("frequency_ppms", "Rate by which the system's clock would be wrong if "
                                           "chronyd was not correcting it, in PPMs"),
  tracking_resid_freq = F("residual_frequency_ppms",
                          "For the currently selected reference source, the difference between "
                          "the frequency it suggests and the one currently in use, in PPMs"),
  tracking_skew = F("skew_ppms", "The estimated error bound on the frequency, in PPMs"),
  tracking_update_interval = F("update_interval_seconds",
                               "The time elapsed since the last measurement from the reference "
                               "source was processed, in seconds"),
  tracking_stratum = F("stratum", "Chrony tracking client stratum"),
  tracking_leap = F("leap_status", "Leap status of the reference: 0 normal, 1 insert second, "
                                   "2 delete second, 3 not synchronised");
#undef F

static void render_tracking(const struct metrics_reports *r, struct metrics_text *t)
{
  const struct cmd_rpy_tracking *tr = &r->tracking;
  char address[INET6_ADDRSTRLEN + 16], refid[16], labels[LABELS_LEN];
  const char *name = address;
  struct sbuf b = {labels, sizeof(labels), 0};
  if (is_address(&tr->ip)) {
    ip_string(&tr->ip, address, sizeof(address));
    const char *configured = name_of(r, &tr->ip);
    if (configured)
      name = configured;
  } else {
    refid_string(tr->ref_id, address, sizeof(address));
  }
  snprintf(refid, sizeof(refid), "%08" PRIX32, tr->ref_id);
  labels[0] = '\0';
  sb_label(&b, "tracking_address", address);
  sb_label(&b, "tracking_name", name);
  sb_label(&b, "tracking_refid", refid);
  header(t, &tracking_info);
  sample(t, tracking_info.name, labels, "1");

  bool remote = is_address(&tr->ip) &&
                !(tr->ip.family == CMD_IP_INET4 && ip_u32(&tr->ip) == LOCAL_REFID);
  single_double(t, &tracking_last_offset, tr->last_offset);
  single_double(t, &tracking_ref_time,
                (double)tr->ref_time.tv_sec + (double)tr->ref_time.tv_nsec * 1e-9);
  single_double(t, &tracking_system_time, tr->current_correction);
  single_u64(t, &tracking_remote, remote);
  single_double(t, &tracking_rms_offset, tr->rms_offset);
  single_double(t, &tracking_root_delay, tr->root_delay);
  single_double(t, &tracking_root_dispersion, tr->root_dispersion);
  single_double(t, &tracking_frequency, tr->freq_ppm);
  single_double(t, &tracking_resid_freq, tr->resid_freq_ppm);
  single_double(t, &tracking_skew, tr->skew_ppm);
  single_double(t, &tracking_update_interval, tr->last_update_interval);
  single_u64(t, &tracking_stratum, tr->stratum);
  single_u64(t, &tracking_leap, tr->leap_status);
}

/* ---------------------------------------------------------------- sources */

/* What one per-source family shows: its value for a source, or false
 * when the source has none. */
typedef bool source_value_fn(const struct metrics_source *s, double *v);

static bool v_last_sample_age(const struct metrics_source *s, double *v)
{
  *v = s->data.since_sample == NO_SAMPLE_AGO ? INFINITY : (double)s->data.since_sample;
  return true;
}

static unsigned popcount8(unsigned x)
{
  unsigned n = 0;
  for (int i = 0; i < 8; i++)
    n += (x >> i) & 1;
  return n;
}

static bool v_reach_ratio(const struct metrics_source *s, double *v)
{
  *v = popcount8(s->data.reachability & 0xff) / 8.0;
  return true;
}

static bool v_reach_success(const struct metrics_source *s, double *v)
{
  *v = s->data.reachability & 1;
  return true;
}

static bool v_last_offset(const struct metrics_source *s, double *v)
{
  *v = s->data.latest_meas;
  return true;
}

static bool v_last_error(const struct metrics_source *s, double *v)
{
  *v = s->data.latest_meas_err;
  return true;
}

static bool v_poll(const struct metrics_source *s, double *v)
{
  *v = num_ldexp(1.0, s->data.poll);
  return true;
}

static bool v_stratum(const struct metrics_source *s, double *v)
{
  *v = s->data.stratum;
  return true;
}

#define NTP_VALUE(fn, field)                                       \
  static bool fn(const struct metrics_source *s, double *v)        \
  {                                                                \
    *v = s->ntp_data.field;                                        \
    return s->have_ntp_data && s->data.mode != CMD_SD_MODE_REF;    \
  }
NTP_VALUE(v_peer_offset, offset)
NTP_VALUE(v_peer_delay, peer_delay)
NTP_VALUE(v_peer_dispersion, peer_dispersion)
NTP_VALUE(v_peer_response_time, response_time)
NTP_VALUE(v_peer_jitter_asymmetry, jitter_asymmetry)
#undef NTP_VALUE

struct source_family {
  struct family f;
  source_value_fn *value;
};

#define F(n, h, fn) {{"chrony_sources_" n, h, false}, fn}
static const struct source_family source_families[] = {
  F("last_sample_age_seconds", "Chrony sources last good sample age in seconds",
    v_last_sample_age),
  F("reachability_ratio", "Chrony sources ratio of packet reachability", v_reach_ratio),
  F("reachability_success", "Chrony sources last poll reachability success", v_reach_success),
  F("last_sample_offset_seconds", "Chrony sources last sample offset in seconds", v_last_offset),
  F("last_sample_error_margin_seconds", "Chrony sources last sample margin of error in seconds",
    v_last_error),
  F("polling_interval_seconds", "Chrony sources polling interval in seconds", v_poll),
  {{"chrony_sources_state_info", "Chrony sources state info", false}, NULL},
  F("stratum", "Chrony sources stratum", v_stratum),
  F("peer_offset_seconds", "Chrony sources peer offset", v_peer_offset),
  F("peer_delay_seconds", "Chrony sources peer delay", v_peer_delay),
  F("peer_dispersion_seconds", "Chrony sources peer dispersion", v_peer_dispersion),
  F("peer_response_time_seconds", "Chrony sources peer response time", v_peer_response_time),
  F("peer_jitter_asymmetry_seconds", "Chrony sources peer jitter asymmetry",
    v_peer_jitter_asymmetry),
};
#undef F

/* chrony_exporter's names (from github.com/facebook/time's chrony package)
 * for the protocol's state numbers. */
static const char *state_name(uint16_t state, char *buf, size_t cap)
{
  static const char *const names[] = {"sync", "unreach", "falseticker", "jittery", "candidate",
                                      "outlier"};
  if (state < sizeof(names) / sizeof(names[0]))
    return names[state];
  snprintf(buf, cap, "unknown (%u)", state);
  return buf;
}

static const char *mode_name(uint16_t mode, char *buf, size_t cap)
{
  static const char *const names[] = {"client", "peer", "reference clock"};
  if (mode < sizeof(names) / sizeof(names[0]))
    return names[mode];
  snprintf(buf, cap, "unknown (%u)", mode);
  return buf;
}

/* A source of the sources families: chrony_exporter leaves out those
 * with an ID for an address (names not yet resolved). */
static bool listed_source(const struct metrics_source *s)
{
  return s->have_data && (is_address(&s->data.ip));
}

/* source_address and source_name of a sources row. */
static void source_labels(const struct metrics_source *s, struct sbuf *b)
{
  char address[INET6_ADDRSTRLEN + 16];
  const char *name = address;
  if (s->data.mode == CMD_SD_MODE_REF && s->data.ip.family == CMD_IP_INET4) {
    refid_string(ip_u32(&s->data.ip), address, sizeof(address));
  } else {
    ip_string(&s->data.ip, address, sizeof(address));
    if (s->have_name)
      name = s->name;
  }
  b->len = 0;
  b->p[0] = '\0';
  sb_label(b, "source_address", address);
  sb_label(b, "source_name", name);
}

static void render_sources(const struct metrics_reports *r, struct metrics_text *t)
{
  char labels[LABELS_LEN], state[24], mode[24];
  struct sbuf b = {labels, sizeof(labels), 0};
  for (size_t k = 0; k < sizeof(source_families) / sizeof(source_families[0]); k++) {
    const struct source_family *f = &source_families[k];
    bool any = false;
    for (uint32_t i = 0; i < r->n_sources; i++) {
      const struct metrics_source *s = &r->sources[i];
      double v = 1.0;
      if (!listed_source(s) || (f->value && !f->value(s, &v)))
        continue;
      if (!any)
        header(t, &f->f);
      any = true;
      source_labels(s, &b);
      if (!f->value) {                 /* state_info */
        sb_label(&b, "source_state", state_name(s->data.state, state, sizeof(state)));
        sb_label(&b, "source_mode", mode_name(s->data.mode, mode, sizeof(mode)));
      }
      sample_double(t, f->f.name, labels, v);
    }
  }
}

/* ---------------------------------------------------------------- sourcestats */

typedef bool stats_value_fn(const struct cmd_rpy_sourcestats *s, double *v);

#define STATS_VALUE(fn, expr)                                           \
  static bool fn(const struct cmd_rpy_sourcestats *s, double *v)        \
  {                                                                     \
    *v = (expr);                                                        \
    return true;                                                        \
  }
STATS_VALUE(v_samples, s->n_samples)
STATS_VALUE(v_runs, s->n_runs)
STATS_VALUE(v_span, s->span_seconds)
STATS_VALUE(v_stddev, s->sd)
STATS_VALUE(v_frequency, s->resid_freq_ppm)
STATS_VALUE(v_skew, s->skew_ppm)
STATS_VALUE(v_offset, s->est_offset)
#undef STATS_VALUE

struct stats_family {
  struct family f;
  stats_value_fn *value;
};

#define F(n, h, fn) {{"chrony_sourcestats_" n, h, false}, fn}
static const struct stats_family stats_families[] = {
  F("samples", "The number of sample points currently being retained for the server. (NP)",
    v_samples),
  F("runs", "The number of runs of residuals having the same sign following the last "
            "regression. (NR)", v_runs),
  F("span_seconds", "The interval between the oldest and newest samples in seconds", v_span),
  F("stddev", "The estimated sample standard deviation.", v_stddev),
  F("frequency_ppms", "The estimated residual frequency for the server, in parts per million.",
    v_frequency),
  F("frequency_skew_ppms", "The estimated error bounds on Freq (again in parts per million).",
    v_skew),
  F("offset", "The estimated offset of the source.", v_offset),
};
#undef F

/* chrony_exporter leaves out rows without an address (reference clocks);
 * an ID is its own name. */
static void stats_labels(const struct metrics_source *s, struct sbuf *b)
{
  char address[INET6_ADDRSTRLEN + 16];
  const char *name = address;
  ip_string(&s->stats.ip, address, sizeof(address));
  if (s->have_data && s->have_name && same_ip(&s->data.ip, &s->stats.ip))
    name = s->name;
  b->len = 0;
  b->p[0] = '\0';
  sb_label(b, "source_address", address);
  sb_label(b, "source_name", name);
}

static void render_sourcestats(const struct metrics_reports *r, struct metrics_text *t)
{
  char labels[LABELS_LEN];
  struct sbuf b = {labels, sizeof(labels), 0};
  for (size_t k = 0; k < sizeof(stats_families) / sizeof(stats_families[0]); k++) {
    const struct stats_family *f = &stats_families[k];
    bool any = false;
    for (uint32_t i = 0; i < r->n_sources; i++) {
      const struct metrics_source *s = &r->sources[i];
      double v;
      if (!s->have_stats || s->stats.ip.family == CMD_IP_UNSPEC || !f->value(&s->stats, &v))
        continue;
      if (!any)
        header(t, &f->f);
      any = true;
      stats_labels(s, &b);
      sample_double(t, f->f.name, labels, v);
    }
  }
}

/* ---------------------------------------------------------------- serverstats */

#define C(n, h) {"chrony_serverstats_" n, h, true}
#define G(n, h) {"chrony_serverstats_" n, h, false}
static const struct family
  ss_ntp_hits = C("ntp_packets_received_total",
                  "The number of valid NTP requests received by the server."),
  ss_nke_hits = C("nts_ke_connections_accepted_total",
                  "The number of NTS-KE connections accepted by the server."),
  ss_cmd_hits = C("command_packets_received_total",
                  "The number of command requests received by the server."),
  ss_ntp_drops = C("ntp_packets_dropped_total",
                   "The number of NTP requests dropped by the server due to rate limiting."),
  ss_nke_drops = C("nts_ke_connections_dropped_total",
                   "The number of NTS-KE connections dropped by the server due to rate limiting."),
  ss_cmd_drops = C("command_packets_dropped_total",
                   "The number of command requests dropped by the server due to rate limiting."),
  ss_log_drops = C("client_log_records_dropped_total",
                   "The number of client log records dropped by the server to limit the memory "
                   "use."),
  ss_auth_hits = C("authenticated_ntp_packets_total",
                   "The number of received NTP requests that were authenticated (with a "
                   "symmetric key or NTS)."),
  ss_interleaved_hits = C("interleaved_ntp_packets_total",
                          "The number of received NTP requests that were detected to be in the "
                          "interleaved mode."),
  ss_timestamps = G("ntp_timestamps_held",
                    "The number of pairs of receive and transmit timestamps that the server is "
                    "currently holding in memory for clients using the interleaved mode."),
  ss_span = G("ntp_timestamp_span_seconds",
              "The interval (in seconds) covered by the currently held NTP timestamps."),
  /* chronyd 4.4's (SERVER_STATS4) */
  ss_daemon_rx = C("ntp_daemon_rx_timestamps_total",
                   "The number of NTP responses which included a receive timestamp captured "
                   "by the daemon."),
  ss_daemon_tx = C("ntp_daemon_tx_timestamps_total",
                   "The number of NTP responses which included a transmit timestamp captured "
                   "by the daemon."),
  ss_kernel_rx = C("ntp_kernel_rx_timestamps_total",
                   "The number of NTP responses which included a receive timestamp captured "
                   "by the kernel."),
  ss_kernel_tx = C("ntp_kernel_tx_timestamps_total",
                   "The number of NTP responses (in the interleaved mode) which included a "
                   "transmit timestamp captured by the kernel."),
  ss_hw_rx = C("ntp_hw_rx_timestamps_total",
               "The number of NTP responses which included a receive timestamp captured by "
               "the NIC."),
  ss_hw_tx = C("ntp_hw_tx_timestamps_total",
               "The number of NTP responses (in the interleaved mode) which included a "
               "transmit timestamp captured by the NIC."),
  ss_drops_by_reason = C("ntp_requests_dropped_total",
                         "NTP requests the server dropped, by reason: access (not allowed), "
                         "format (malformed), mode (not a request), auth (MAC not verified), "
                         "send (reply not sent), ratelimit."),
  ss_client_log = G("client_log_records",
                    "The records the client log has room for now (its table grows while full, "
                    "up to clientloglimit).");
#undef C
#undef G

static void render_server_stats(const struct metrics_reports *r, struct metrics_text *t)
{
  const struct cmd_rpy_server_stats *s = &r->server_stats;
  if (r->have_server_stats) {
    single_u64(t, &ss_ntp_hits, s->ntp_hits);
    single_u64(t, &ss_cmd_hits, s->cmd_hits);
    single_u64(t, &ss_ntp_drops, s->ntp_drops);
    single_u64(t, &ss_cmd_drops, s->cmd_drops);
    single_u64(t, &ss_log_drops, s->log_drops);
    single_u64(t, &ss_nke_hits, s->nke_hits);
    single_u64(t, &ss_nke_drops, s->nke_drops);
    single_u64(t, &ss_auth_hits, s->ntp_auth_hits);
    single_u64(t, &ss_interleaved_hits, s->ntp_interleaved_hits);
    single_u64(t, &ss_timestamps, s->ntp_timestamps);
    single_u64(t, &ss_span, s->ntp_span_seconds);
  }
  if (r->have_timestamp_stats) {
    single_u64(t, &ss_daemon_rx, s->ntp_daemon_rx_timestamps);
    single_u64(t, &ss_daemon_tx, s->ntp_daemon_tx_timestamps);
    single_u64(t, &ss_kernel_rx, s->ntp_kernel_rx_timestamps);
    single_u64(t, &ss_kernel_tx, s->ntp_kernel_tx_timestamps);
    single_u64(t, &ss_hw_rx, s->ntp_hw_rx_timestamps);
    single_u64(t, &ss_hw_tx, s->ntp_hw_tx_timestamps);
  }
  if (r->n_drops > 0) {
    char labels[LABELS_LEN];
    struct sbuf b = {labels, sizeof(labels), 0};
    header(t, &ss_drops_by_reason);
    for (unsigned i = 0; i < r->n_drops && i < METRICS_MAX_DROPS; i++) {
      b.len = 0;
      labels[0] = '\0';
      sb_label(&b, "reason", r->drops[i].reason ? r->drops[i].reason : "");
      sample_u64(t, ss_drops_by_reason.name, labels, r->drops[i].count);
    }
  }
  if (r->have_clients)
    single_u64(t, &ss_client_log, r->client_log_records);
}

static const struct family up_family = {"chrony_up", "Whether the chrony server is up.", false};

bool metrics_render(const struct metrics_reports *r, struct metrics_text *t)
{
  if (r->have_tracking)
    render_tracking(r, t);
  render_sources(r, t);
  render_sourcestats(r, t);
  render_server_stats(r, t);
  single_u64(t, &up_family, r->up);
  return !t->failed;
}
