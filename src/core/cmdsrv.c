/* cmdsrv: chrony's command protocol, the daemon's side (see cmdsrv.h).
 *
 * Reports convert from this core's signs to chrony's: chrony's offsets are
 * local minus true time (> 0: the local clock is ahead) and its frequencies
 * are > 0 when the local clock gains, so most of ours are negated. */
#include "core/cmdsrv.h"

#include <math.h>
#include <string.h>

#include "core/ntp_source.h"
#include "proto/ntp_packet.h"
#include "proto/num.h"

#define NO_SAMPLE_AGO 0xffffffffu    /* since_sample when there is none */

struct cmd_ip cmdsrv_ip_from_addr(const struct ip_addr *a)
{
  struct cmd_ip ip;
  memset(&ip, 0, sizeof(ip));
  if (a->family == ADDR_INET4) {
    ip.family = CMD_IP_INET4;
    memcpy(ip.bytes, a->bytes, 4);
  } else if (a->family == ADDR_INET6) {
    ip.family = CMD_IP_INET6;
    memcpy(ip.bytes, a->bytes, 16);
  } else if (a->family == ADDR_ID) {
    ip.family = CMD_IP_ID;
    memcpy(ip.bytes, a->bytes, 4);
  }
  return ip;
}

struct ip_addr cmdsrv_ip_to_addr(const struct cmd_ip *ip)
{
  struct ip_addr a;
  memset(&a, 0, sizeof(a));
  if (ip->family == CMD_IP_INET4) {
    a.family = ADDR_INET4;
    memcpy(a.bytes, ip->bytes, 4);
  } else if (ip->family == CMD_IP_INET6) {
    a.family = ADDR_INET6;
    memcpy(a.bytes, ip->bytes, 16);
  } else if (ip->family == CMD_IP_ID) {
    a.family = ADDR_ID;
    memcpy(a.bytes, ip->bytes, 4);
  }
  return a;
}

void cmdsrv_init(struct cmdsrv *s, const struct platform *plat, struct refstate *ref,
                 struct ntp_server *ntp)
{
  memset(s, 0, sizeof(*s));
  s->plat = plat;
  s->ref = ref;
  s->ntp = ntp;
  s->open = CMDSRV_OPEN_DEFAULT;
  access_init(&s->access, false);
  cmdsrv_reset_access(s);
}

bool cmdsrv_reset_access(struct cmdsrv *s)
{
  struct ip_subnet lo4 = {.prefix = 32}, lo6 = {.prefix = 128};
  access_free(&s->access);
  access_init(&s->access, false);
  addr_parse("127.0.0.1", &lo4.addr);
  addr_parse("::1", &lo6.addr);
  return access_add(&s->access, &lo4, true, false) && access_add(&s->access, &lo6, true, false);
}

void cmdsrv_free(struct cmdsrv *s)
{
  access_free(&s->access);
}

/* May this request be answered over UDP? */
static bool open_command(const struct cmdsrv *s, uint16_t command)
{
  uint32_t need;
  switch (command) {
  case CMD_N_SOURCES:   /* chronyd 4.8's: those that walk the sources */
    need = CMDSRV_OPEN_SOURCES | CMDSRV_OPEN_SOURCESTATS | CMDSRV_OPEN_SELECTDATA |
           CMDSRV_OPEN_AUTHDATA | CMDSRV_OPEN_NTPDATA;
    break;
  case CMD_SOURCE_DATA: need = CMDSRV_OPEN_SOURCES; break;
  case CMD_TRACKING: need = CMDSRV_OPEN_TRACKING; break;
  case CMD_SOURCESTATS: need = CMDSRV_OPEN_SOURCESTATS; break;
  case CMD_RTCREPORT: need = CMDSRV_OPEN_RTCDATA; break;
  case CMD_MANUAL_LIST: need = CMDSRV_OPEN_MANUAL; break;
  case CMD_ACTIVITY: need = CMDSRV_OPEN_ACTIVITY; break;
  case CMD_SMOOTHING: need = CMDSRV_OPEN_SMOOTHING; break;
  case CMD_NTP_SOURCE_NAME: need = CMDSRV_OPEN_SOURCENAME; break;
  case CMD_NTP_DATA: need = CMDSRV_OPEN_NTPDATA; break;
  case CMD_SELECT_DATA: need = CMDSRV_OPEN_SELECTDATA; break;
  case CMD_AUTH_DATA: need = CMDSRV_OPEN_AUTHDATA; break;
  case CMD_SERVER_STATS: need = CMDSRV_OPEN_SERVERSTATS; break;
  case CMD_CLIENT_ACCESSES_BY_INDEX3: need = CMDSRV_OPEN_CLIENTS; break;
  default: return false;
  }
  return (s->open & need) != 0;
}

static void now(const struct cmdsrv *s, struct timespec *t)
{
  s->plat->ops->now(s->plat->ctx, t);
}

/* ---- reports ---- */
static int tracking(struct cmdsrv *s, struct cmd_rpy_tracking *t)
{
  struct timespec n;
  struct ref_params rp;
  now(s, &n);
  ref_get_params(s->ref, &n, &rp);
  t->ref_id = rp.refid;
  t->stratum = rp.stratum;
  t->leap_status = rp.leap;
  t->ref_time = rp.ref_time;
  t->root_delay = rp.root_delay;
  t->root_dispersion = rp.root_dispersion;
  if (!s->client)
    return CMD_STT_SUCCESS;
  struct ref_tracking ct;
  ref_tracking(client_reference(s->client), &ct);
  t->current_correction = ct.correction;
  t->last_offset = -ct.last_offset;
  t->rms_offset = ct.rms_offset;
  t->freq_ppm = -ct.freq_ppm;
  /* As chronyd: the estimates of a reference only while there is one
   * (not when unsynchronised, nor when serving `local`). */
  if (rp.synchronised) {
    struct ip_addr selected;
    client_selected_address(s->client, &selected);
    t->ip = cmdsrv_ip_from_addr(&selected);
    t->resid_freq_ppm = -ct.resid_freq_ppm;
    t->skew_ppm = ct.skew_ppm;
  }
  t->last_update_interval = ct.last_update_interval;
  return CMD_STT_SUCCESS;
}

/* Source number `index` of the request, or false. */
static bool report(struct cmdsrv *s, uint32_t index, struct client_source_report *r)
{
  return s->client && client_source_report(s->client, index, r);
}

/* The source with this address (a placeholder's ID#), or false. */
static bool report_by_addr(struct cmdsrv *s, const struct cmd_ip *ip,
                           struct client_source_report *r)
{
  struct ip_addr a = cmdsrv_ip_to_addr(ip);
  int i = s->client ? client_find_source(s->client, &a) : -1;
  return i >= 0 && report(s, (uint32_t)i, r);
}

/* The address a report shows: a placeholder's is its ID# (chronyd's
 * IPADDR_ID). */
static struct cmd_ip report_ip(const struct client_source_report *r)
{
  struct ip_addr id = addr_from_id(r->placeholder_id);
  return cmdsrv_ip_from_addr(r->placeholder_id ? &id : &r->addr);
}

static uint16_t state_of(char c)
{
  switch (c) {
  case '*': return CMD_SD_SELECTED;
  case '+': return CMD_SD_SELECTABLE;
  case '-': return CMD_SD_UNSELECTED;
  case 'x': return CMD_SD_FALSETICKER;
  case '~': return CMD_SD_JITTERY;
  default: return CMD_SD_NONSELECTABLE;
  }
}

static uint32_t seconds_ago(double ago)
{
  if (!(ago >= 0.0))
    return NO_SAMPLE_AGO;
  return ago >= 4294967295.0 ? NO_SAMPLE_AGO - 1 : (uint32_t)ago;
}

static int source_data(struct cmdsrv *s, uint32_t index, struct cmd_rpy_source_data *d)
{
  struct client_source_report r;
  if (!report(s, index, &r))
    return CMD_STT_NOSUCHSOURCE;
  d->ip = report_ip(&r);
  d->poll = (int16_t)r.poll;
  d->stratum = (uint16_t)r.stratum;
  d->state = state_of(r.state);
  d->mode = r.peer ? CMD_SD_MODE_PEER : CMD_SD_MODE_CLIENT;
  if (r.refclock) {              /* chronyd: the refid where the address goes */
    d->mode = CMD_SD_MODE_REF;
    d->ip = (struct cmd_ip){.family = CMD_IP_INET4};
    for (int k = 0; k < 4; k++)
      d->ip.bytes[k] = (uint8_t)(r.refid >> (24 - 8 * k));
  }
  d->reachability = r.reach;
  d->since_sample = seconds_ago(r.stats.last_ago);
  if (r.stats.last_ago >= 0.0) {
    d->orig_latest_meas = -r.stats.last_orig_offset;
    d->latest_meas = -r.stats.last_offset;
    d->latest_meas_err = r.stats.last_err;
  }
  return CMD_STT_SUCCESS;
}

static int sourcestats(struct cmdsrv *s, uint32_t index, struct cmd_rpy_sourcestats *d)
{
  struct client_source_report r;
  if (!report(s, index, &r))
    return CMD_STT_NOSUCHSOURCE;
  d->ref_id = r.refclock ? r.refid : addr_refid(&r.addr);
  d->ip = report_ip(&r);
  d->n_samples = (uint32_t)r.stats.n_samples;
  d->n_runs = (uint32_t)r.stats.n_runs;
  d->span_seconds = r.stats.span > 0.0 ? (uint32_t)r.stats.span : 0;
  d->sd = r.stats.std_dev;
  d->resid_freq_ppm = -r.stats.frequency * 1e6;
  d->skew_ppm = r.stats.skew * 1e6;
  d->est_offset = -r.stats.offset;
  d->est_offset_err = r.stats.offset_err;
  return CMD_STT_SUCCESS;
}

static uint16_t options_of(bool noselect, bool prefer, bool trust, bool require)
{
  return (uint16_t)((noselect ? CMD_SD_OPT_NOSELECT : 0) | (prefer ? CMD_SD_OPT_PREFER : 0) |
                    (trust ? CMD_SD_OPT_TRUST : 0) | (require ? CMD_SD_OPT_REQUIRE : 0));
}

static int select_data(struct cmdsrv *s, uint32_t index, struct cmd_rpy_select_data *d)
{
  struct client_source_report r;
  if (!report(s, index, &r))
    return CMD_STT_NOSUCHSOURCE;
  d->ref_id = r.refclock ? r.refid : addr_refid(&r.addr);
  d->ip = report_ip(&r);
  d->state_char = (uint8_t)r.sel_state;
  d->authentication = r.key != 0 || r.uses_nts;
  d->leap = r.have_selection ? r.sel_leap : NTP_LEAP_UNSYNC;
  d->conf_options = options_of(r.noselect, r.prefer, r.trust, r.require);
  d->eff_options = options_of(r.eff_noselect, r.eff_prefer, r.eff_trust, r.eff_require);
  d->last_sample_ago = r.have_selection ? seconds_ago(r.sel_last_sample_ago) : 0;
  d->score = r.sel_score;
  if (r.have_selection) {
    d->lo_limit = -r.sel_hi;
    d->hi_limit = -r.sel_lo;
  }
  return CMD_STT_SUCCESS;
}

static uint8_t tss_char(enum plat_ts_source src)
{
  return src == PLAT_TS_HARDWARE ? 'H' : src == PLAT_TS_KERNEL ? 'K' : 'D';
}

static int ntp_data(struct cmdsrv *s, const struct cmd_ip *ip, struct cmd_rpy_ntp_data *d)
{
  struct client_source_report r;
  if (!report_by_addr(s, ip, &r))
    return CMD_STT_NOSUCHSOURCE;
  d->remote_addr = report_ip(&r);
  d->remote_port = r.port;
  d->total_tx_count = (uint32_t)r.requests;
  d->total_rx_count = (uint32_t)(r.valid_replies + r.bad_replies);
  d->total_valid_count = (uint32_t)r.valid_replies;
  d->total_good_count = (uint32_t)r.good_replies;
  d->total_kernel_tx_ts = (uint32_t)r.kernel_tx_ts;
  d->total_kernel_rx_ts = (uint32_t)r.kernel_rx_ts;
  d->total_hw_tx_ts = (uint32_t)r.hw_tx_ts;
  d->total_hw_rx_ts = (uint32_t)r.hw_rx_ts;
  /* before a valid reply chronyd's report is zeroed: leap 0 ("Normal") */
  if (!r.ntp->valid)
    return CMD_STT_SUCCESS;
  const struct client_log_measurement *m = &r.ntp->m;
  d->local_addr = cmdsrv_ip_from_addr(&r.ntp->local);
  d->leap = m->leap;
  d->version = (uint8_t)r.ntp->version;
  d->mode = (uint8_t)m->mode;
  d->stratum = (uint8_t)m->stratum;
  d->poll = (int8_t)m->remote_poll;
  d->precision = (int8_t)r.ntp->precision;
  d->root_delay = m->root_delay;
  d->root_dispersion = m->root_dispersion;
  d->ref_id = m->refid;
  d->ref_time = r.ntp->ref_time;
  d->offset = m->offset;
  d->peer_delay = m->peer_delay;
  d->peer_dispersion = m->peer_dispersion;
  d->response_time = r.ntp->response_time;
  d->jitter_asymmetry = r.stats.asymmetry;
  /* tests 1, 2, 3, 5, 6, 7, A, B, C, D from bit 9 down to bit 0 */
  for (int i = 0; i < CLIENT_N_TESTS; i++)
    if (m->test[i])
      d->flags |= (uint16_t)(1u << (CLIENT_N_TESTS - 1 - i));
  if (m->interleaved)
    d->flags |= CMD_NTP_FLAG_INTERLEAVED;
  if (r.key != 0)
    d->flags |= CMD_NTP_FLAG_AUTHENTICATED;
  d->tx_tss_char = tss_char(m->tx_source);
  d->rx_tss_char = tss_char(m->rx_source);
  return CMD_STT_SUCCESS;
}

static int source_name(struct cmdsrv *s, const struct cmd_ip *ip, char name[CMD_NAME_LEN])
{
  struct client_source_report r;
  if (!report_by_addr(s, ip, &r))
    return CMD_STT_NOSUCHSOURCE;
  memcpy(name, r.name, CMD_NAME_LEN);
  name[CMD_NAME_LEN - 1] = '\0';
  return CMD_STT_SUCCESS;
}

/* chronyc's numbering of key types (chrony's hash and cipher IDs). */
static uint16_t key_type_id(enum ntp_key_type t)
{
  static const uint16_t ids[NTP_KEY_TYPES] = {
    [NTP_KEY_MD5] = 1, [NTP_KEY_SHA1] = 2, [NTP_KEY_SHA256] = 3, [NTP_KEY_SHA384] = 4,
    [NTP_KEY_SHA512] = 5, [NTP_KEY_SHA3_224] = 6, [NTP_KEY_SHA3_256] = 7,
    [NTP_KEY_SHA3_384] = 8, [NTP_KEY_SHA3_512] = 9, [NTP_KEY_AES128] = 13,
    [NTP_KEY_AES256] = 14};
  return (unsigned)t < NTP_KEY_TYPES ? ids[t] : 0;
}

static int auth_data(struct cmdsrv *s, const struct cmd_ip *ip, struct cmd_rpy_auth_data *d)
{
  struct client_source_report r;
  if (!report_by_addr(s, ip, &r))
    return CMD_STT_NOSUCHSOURCE;
  d->last_ke_ago = NO_SAMPLE_AGO;
  if (r.uses_nts) {
    const struct ntsc_report *n = &r.nts_report;
    d->mode = 2;                 /* NTS */
    d->key_id = n->key_id;
    d->key_type = n->key_type;
    d->key_length = n->key_length;
    d->ke_attempts = (uint16_t)(n->ke_attempts < UINT16_MAX ? n->ke_attempts : UINT16_MAX);
    if (n->last_ke_ago >= 0.0)
      d->last_ke_ago = (uint32_t)num_fmin(n->last_ke_ago, UINT32_MAX);
    d->cookies = (uint16_t)n->cookies;
    d->cookie_length = (uint16_t)n->cookie_length;
    d->nak = n->nak;
    return CMD_STT_SUCCESS;
  }
  if (r.key == 0)
    return CMD_STT_SUCCESS;
  d->mode = 1;                   /* symmetric key */
  d->key_id = r.key;
  const struct ntp_key *k = s->ntp->keys ? ntp_keyring_find(s->ntp->keys, r.key) : NULL;
  if (k) {
    d->key_type = key_type_id(k->type);
    d->key_length = (uint16_t)(k->len * 8);
  }
  return CMD_STT_SUCCESS;
}

static int activity(struct cmdsrv *s, struct cmd_rpy_activity *a)
{
  struct client_source_report r;
  unsigned n = s->client ? client_n_sources(s->client) : 0;
  for (unsigned i = 0; i < n; i++) {
    /* NTP sources only, as chronyd's NSR_GetActivityReport */
    if (!report(s, i, &r) || r.refclock)
      continue;
    if (r.placeholder_id) {
      a->unresolved++;
      continue;
    }
    if (r.in_burst)
      r.online ? a->burst_online++ : a->burst_offline++;
    else
      r.online ? a->online++ : a->offline++;
  }
  return CMD_STT_SUCCESS;
}

/* With a client log, chrony's figures: requests logged, drops by rate
 * limiting, records replaced. Without, what the servers counted. (The
 * older format of the reply saturates them at 32 bits.) */
static int server_stats(struct cmdsrv *s, struct cmd_rpy_server_stats *st)
{
  struct srv_stats n = s->ntp->stats;
  struct clog_totals t = {0};
  if (s->clog)
    clog_get_totals(s->clog, &t);
  if (s->ops.add_server_totals)
    s->ops.add_server_totals(s->ops.arg, &n, &t);
  st->ntp_auth_hits = n.auth_replied;
  st->ntp_interleaved_hits = n.interleaved_replied;
  st->ntp_daemon_rx_timestamps = n.rx_ts[PLAT_TS_DAEMON];
  st->ntp_daemon_tx_timestamps = n.tx_ts[PLAT_TS_DAEMON];
  st->ntp_kernel_rx_timestamps = n.rx_ts[PLAT_TS_KERNEL];
  st->ntp_kernel_tx_timestamps = n.tx_ts[PLAT_TS_KERNEL];
  st->ntp_hw_rx_timestamps = n.rx_ts[PLAT_TS_HARDWARE];
  st->ntp_hw_tx_timestamps = n.tx_ts[PLAT_TS_HARDWARE];
  if (s->clog) {
    uint32_t held, span;
    clog_ntp_timestamp_stats(s->clog, &held, &span);
    st->ntp_timestamps = held;
    st->ntp_span_seconds = span;
    st->ntp_hits = t.hits[CLOG_NTP];
    st->ntp_drops = t.drops[CLOG_NTP];
    st->cmd_hits = t.hits[CLOG_CMD];
    st->cmd_drops = t.drops[CLOG_CMD];
    st->nke_hits = t.hits[CLOG_NTSKE];
    st->nke_drops = t.drops[CLOG_NTSKE];
    st->log_drops = t.record_drops;
    return CMD_STT_SUCCESS;
  }
  uint64_t drops = 0;
  for (int i = 0; i < SRV_DROP_COUNT; i++)
    drops += n.dropped[i];
  st->ntp_hits = n.received;
  st->ntp_drops = drops;
  st->cmd_hits = s->hits;
  st->cmd_drops = s->drops;
  return CMD_STT_SUCCESS;
}

static void client_from_report(struct cmd_rpy_client *o, const struct clog_report *r)
{
  o->ip = cmdsrv_ip_from_addr(&r->addr);
  o->ntp_hits = r->hits[CLOG_NTP];
  o->cmd_hits = r->hits[CLOG_CMD];
  o->nke_hits = r->hits[CLOG_NTSKE];
  o->ntp_drops = r->drops[CLOG_NTP];
  o->cmd_drops = r->drops[CLOG_CMD];
  o->nke_drops = r->drops[CLOG_NTSKE];
  o->ntp_interval = r->interval[CLOG_NTP];
  o->cmd_interval = r->interval[CLOG_CMD];
  o->nke_interval = r->interval[CLOG_NTSKE];
  o->ntp_timeout_interval = r->ntp_timeout_interval;
  o->last_ntp_hit_ago = r->last_ago[CLOG_NTP];
  o->last_cmd_hit_ago = r->last_ago[CLOG_CMD];
  o->last_nke_hit_ago = r->last_ago[CLOG_NTSKE];
}

/* chronyc clients: up to n_clients records from first_index on; the
 * indices of the main log first, then those of the workers' logs. */
static int clients(struct cmdsrv *s, const struct cmd_req_clients *q, struct cmd_rpy_clients *c)
{
  int n = s->clog ? clog_n_indices(s->clog) : -1;
  if (n < 0)
    return CMD_STT_INACTIVE;
  uint32_t n_extra = s->ops.extra_client_indices ? s->ops.extra_client_indices(s->ops.arg) : 0;
  struct timespec t;
  now(s, &t);
  uint32_t want = q->n_clients < CMD_MAX_CLIENTS ? q->n_clients : CMD_MAX_CLIENTS;
  uint32_t i, j = 0;
  for (i = q->first_index; i < (uint32_t)n && j < want; i++) {
    struct clog_report r;
    if (clog_report(s->clog, i, q->reset != 0, q->min_hits, &t, &r))
      client_from_report(&c->clients[j++], &r);
  }
  /* A short reply means the end to chronyc: fill it from as many of the
   * other logs as it takes. Each call moves on (or the loop ends). */
  while (j < want && i >= (uint32_t)n && i - (uint32_t)n < n_extra) {
    struct clog_report r[CMD_MAX_CLIENTS];
    uint32_t next, got = s->ops.extra_client_reports(s->ops.arg, i - (uint32_t)n, want - j,
                                                     q->reset != 0, q->min_hits, &t, r, &next);
    for (uint32_t k = 0; k < got && j < want; k++)
      client_from_report(&c->clients[j++], &r[k]);
    if (next <= i - (uint32_t)n)
      break;
    i = (uint32_t)n + next;
  }
  c->n_indices = (uint32_t)n + n_extra;
  c->next_index = i;
  c->n_clients = j;
  return CMD_STT_SUCCESS;
}

/* ---- commands ---- */

/* chronyc's [mask/]address: no address means every source; a
 * placeholder's ID# is that one (chronyd ignores the mask). */
static struct ip_subnet subnet_of(const struct cmd_ip *mask, const struct cmd_ip *address)
{
  struct ip_subnet net;
  memset(&net, 0, sizeof(net));
  net.addr = cmdsrv_ip_to_addr(address);
  struct ip_addr m = cmdsrv_ip_to_addr(mask);
  int max = net.addr.family == ADDR_INET4 || net.addr.family == ADDR_ID ? 32 : 128;
  net.prefix = net.addr.family == ADDR_UNSPEC ? 0 : max;
  if (m.family == net.addr.family && net.addr.family != ADDR_UNSPEC &&
      net.addr.family != ADDR_ID) {
    int bits = 0;                /* leading ones of the mask */
    while (bits < max && (m.bytes[bits / 8] & (0x80 >> (bits % 8))))
      bits++;
    net.prefix = bits;
    for (int b = bits; b < max; b++)
      net.addr.bytes[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
  }
  return net;
}

static int set_online(struct cmdsrv *s, const struct cmd_req_subnet *q, bool online,
                      bool placeholders)
{
  struct ip_subnet net = subnet_of(&q->mask, &q->address);
  if (!s->client || client_set_online(s->client, &net, online, placeholders) == 0)
    return net.addr.family == ADDR_UNSPEC ? CMD_STT_SUCCESS : CMD_STT_NOSUCHSOURCE;
  return CMD_STT_SUCCESS;
}

static int burst(struct cmdsrv *s, const struct cmd_req_subnet *q)
{
  struct ip_subnet net = subnet_of(&q->mask, &q->address);
  if (q->n_good < 0 || q->n_total <= 0 || q->n_good > q->n_total)
    return CMD_STT_INVALID;
  if (!s->client || client_burst(s->client, &net, q->n_good, q->n_total) == 0)
    return net.addr.family == ADDR_UNSPEC ? CMD_STT_SUCCESS : CMD_STT_NOSUCHSOURCE;
  return CMD_STT_SUCCESS;
}

static int modify(struct cmdsrv *s, const struct cmd_req_modify *q, enum client_modify what,
                  double value)
{
  struct ip_addr a = cmdsrv_ip_to_addr(&q->address);
  return s->client && client_modify_source(s->client, &a, what, value) ? CMD_STT_SUCCESS
                                                                        : CMD_STT_NOSUCHSOURCE;
}

/* chronyc selectopts: the mask in select data's option bits, the options
 * as add source's flags (chronyd 4.4's request). */
static int select_options(struct cmdsrv *s, const struct cmd_req_select_opts *q)
{
  uint32_t f = q->options;
  unsigned options = (f & CMD_ADDSRC_NOSELECT ? CLIENT_SEL_NOSELECT : 0u) |
                     (f & CMD_ADDSRC_PREFER ? CLIENT_SEL_PREFER : 0u) |
                     (f & CMD_ADDSRC_TRUST ? CLIENT_SEL_TRUST : 0u) |
                     (f & CMD_ADDSRC_REQUIRE ? CLIENT_SEL_REQUIRE : 0u);
  unsigned mask = (q->mask & CMD_SD_OPT_NOSELECT ? CLIENT_SEL_NOSELECT : 0u) |
                  (q->mask & CMD_SD_OPT_PREFER ? CLIENT_SEL_PREFER : 0u) |
                  (q->mask & CMD_SD_OPT_TRUST ? CLIENT_SEL_TRUST : 0u) |
                  (q->mask & CMD_SD_OPT_REQUIRE ? CLIENT_SEL_REQUIRE : 0u);
  struct ip_addr a = cmdsrv_ip_to_addr(&q->address);
  return s->client && client_modify_select_options(s->client, &a, q->ref_id, options, mask)
             ? CMD_STT_SUCCESS
             : CMD_STT_NOSUCHSOURCE;
}

/* allow/deny (ntp) and cmdallow/cmddeny (cmd) with their "all" forms. */
static int access_rule(struct access_table *t, const struct cmd_req_allow *q, bool allow, bool all)
{
  struct ip_subnet net;
  memset(&net, 0, sizeof(net));
  net.addr = cmdsrv_ip_to_addr(&q->ip);
  int max = net.addr.family == ADDR_INET4 ? 32 : net.addr.family == ADDR_INET6 ? 128 : 0;
  if (q->ip.family != CMD_IP_UNSPEC && max == 0)
    return CMD_STT_INVALIDAF;
  if (q->subnet_bits < 0 || q->subnet_bits > max)
    return CMD_STT_BADSUBNET;
  net.prefix = net.addr.family == ADDR_UNSPEC ? 0 : q->subnet_bits;
  for (int b = net.prefix; b < max; b++)
    net.addr.bytes[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
  return access_add(t, &net, allow, all) ? CMD_STT_SUCCESS : CMD_STT_FAILED;
}

static int access_query(const struct access_table *t, const struct cmd_ip *ip)
{
  struct ip_addr a = cmdsrv_ip_to_addr(ip);
  if (a.family != ADDR_INET4 && a.family != ADDR_INET6)
    return CMD_STT_INVALIDAF;
  return access_check(t, &a) ? CMD_STT_ACCESSALLOWED : CMD_STT_ACCESSDENIED;
}

static int op(int (*fn)(void *), void *arg)
{
  return fn ? fn(arg) : CMD_STT_NOTENABLED;
}

static int with_client(struct cmdsrv *s, void (*fn)(struct client *))
{
  if (s->client)
    fn(s->client);
  return CMD_STT_SUCCESS;
}

/* chronyc smoothing: the served state's smoother, now. */
static int smoothing(struct cmdsrv *s, struct cmd_rpy_smoothing *m)
{
  struct timespec now;
  struct smooth_report rep;
  s->plat->ops->now(s->plat->ctx, &now);
  if (!smooth_report(&s->ref->smooth, &now, &rep))
    return CMD_STT_NOTENABLED;
  m->flags = (rep.active ? CMD_SMT_ACTIVE : 0u) | (rep.leap_only ? CMD_SMT_LEAPONLY : 0u);
  m->offset = rep.offset;
  m->freq_ppm = rep.freq_ppm;
  m->wander_ppm = rep.wander_ppm;
  m->last_update_ago = rep.last_update_ago;
  m->remaining_time = rep.remaining_time;
  return CMD_STT_SUCCESS;
}

/* chronyc smoothtime reset|activate (option 0 or 1). */
static int smoothtime(struct cmdsrv *s, int32_t option)
{
  if (!s->client || !s->ref->smooth.enabled)
    return CMD_STT_NOTENABLED;
  struct reference *ref = client_reference(s->client);
  if (option == 0)
    ref_smoothing_reset(ref);
  else if (option == 1)
    ref_smoothing_activate(ref);
  else
    return CMD_STT_INVALID;
  return CMD_STT_SUCCESS;
}

/* chronyc rtcdata (chronyd's RTC_GetReport). */
static int rtc_report(const struct cmdsrv *s, struct cmd_rpy_rtc *t)
{
  struct rtct_report rep;
  if (!s->rtc)
    return CMD_STT_NORTC;
  rtct_report(s->rtc, &rep);
  t->ref_time = (struct timespec){.tv_sec = (time_t)rep.ref_time};
  t->n_samples = (uint16_t)rep.n_samples;
  t->n_runs = (uint16_t)rep.n_runs;
  t->span_seconds = (uint32_t)rep.span;
  t->rtc_seconds_fast = rep.fast;
  t->rtc_gain_rate_ppm = rep.gain_ppm;
  return CMD_STT_SUCCESS;
}

/* chronyc doffset (s, > 0: the clock is ahead by that much: slewed back)
 * and dfreq (ppm, > 0: the clock runs fast by that much: slowed), in
 * chronyd's sign convention and log wording. */
static int accumulate(struct cmdsrv *s, bool freq, double value)
{
  if (!s->client)
    return CMD_STT_FAILED;
  struct timespec t;
  now(s, &t);
  struct reference *r = client_reference(s->client);
  if (freq) {
    ref_accumulate_dfreq(r, &t, -value * 1e-6);
    plat_logf(s->plat, PLAT_LOG_INFO, "Accumulated delta freq of %.3fppm", value);
  } else {
    ref_accumulate_offset(r, &t, -value);
    plat_logf(s->plat, PLAT_LOG_INFO, "Accumulated delta offset of %.6f seconds", value);
  }
  return CMD_STT_SUCCESS;
}

/* ---- manual mode (chronyd's manual.c through cmdmon.c) ---- */

/* The fit's correction applied to the clock, as chronyd's
 * REF_SetManualReference (the offset there is local minus true). */
static void manual_apply(struct cmdsrv *s, const struct timespec *now,
                         const struct manual_fix *fix)
{
  if (fix->have_freq)
    plat_logf(s->plat, PLAT_LOG_INFO, "Making a frequency change of %.3f ppm and a slew of %.6f",
              1e6 * fix->freq, fix->offset);
  else
    plat_logf(s->plat, PLAT_LOG_INFO, "Making a slew of %.6f", fix->offset);
  ref_manual_update(client_reference(s->client), now, -fix->offset, -fix->freq);
}

static int settime(struct cmdsrv *s, const struct timespec *ts, struct cmd_rpy_manual_timestamp *t)
{
  struct timespec n;
  struct manual_fix fix;
  if (!s->manual || !s->client || !s->manual->enabled)
    return CMD_STT_NOTENABLED;
  disc_cooked_time(client_reference(s->client)->disc, &n);
  if (!manual_accept(s->manual, &n, ts, &fix))
    return CMD_STT_FAILED;
  manual_apply(s, &n, &fix);
  struct ref_tracking ct;
  ref_tracking(client_reference(s->client), &ct);
  t->offset = fix.reg_offset;
  t->dfreq_ppm = 1e6 * fix.freq;
  t->new_afreq_ppm = -ct.freq_ppm;     /* as tracking's frequency */
  return CMD_STT_SUCCESS;
}

static int manual_delete_sample(struct cmdsrv *s, int32_t index)
{
  struct timespec n;
  struct manual_fix fix;
  if (!s->manual || !s->client || !manual_delete(s->manual, index, &fix))
    return CMD_STT_BADSAMPLE;
  disc_cooked_time(client_reference(s->client)->disc, &n);
  manual_apply(s, &n, &fix);
  return CMD_STT_SUCCESS;
}

static int manual_option(struct cmdsrv *s, int32_t option)
{
  if (option < 0 || option > 2)
    return CMD_STT_INVALID;
  if (!s->manual)
    return CMD_STT_NOTENABLED;
  if (option == 2)
    manual_reset(s->manual);
  else
    s->manual->enabled = option == 1;
  return CMD_STT_SUCCESS;
}

static int manual_list(const struct cmdsrv *s, struct cmd_rpy_manual_list *l)
{
  for (int i = 0; s->manual && i < s->manual->n && i < CMD_MAX_MANUAL_SAMPLES; i++) {
    const struct manual_sample *x = &s->manual->s[i];
    l->samples[i] = (struct cmd_rpy_manual_sample){.when = x->when, .slewed_offset = x->offset,
                                                   .orig_offset = x->orig_offset,
                                                   .residual = x->residual};
    l->n_samples = (uint32_t)i + 1;
  }
  return CMD_STT_SUCCESS;
}

static int dispatch(struct cmdsrv *s, const struct cmd_request *q, struct cmd_reply *r)
{
  switch (q->command) {
  case CMD_TRACKING: return tracking(s, &r->data.tracking);
  case CMD_N_SOURCES:
    r->data.n_sources = s->client ? client_n_sources(s->client) : 0;
    return CMD_STT_SUCCESS;
  case CMD_SOURCE_DATA: return source_data(s, q->data.index, &r->data.source_data);
  case CMD_SOURCESTATS: return sourcestats(s, q->data.index, &r->data.sourcestats);
  case CMD_SELECT_DATA: return select_data(s, q->data.index, &r->data.select_data);
  case CMD_NTP_DATA: return ntp_data(s, &q->data.ip, &r->data.ntp_data);
  case CMD_NTP_SOURCE_NAME: return source_name(s, &q->data.ip, r->data.name);
  case CMD_AUTH_DATA: return auth_data(s, &q->data.ip, &r->data.auth_data);
  case CMD_ACTIVITY: return activity(s, &r->data.activity);
  case CMD_SERVER_STATS: return server_stats(s, &r->data.server_stats);
  case CMD_SMOOTHING: return smoothing(s, &r->data.smoothing);
  case CMD_SMOOTHTIME: return smoothtime(s, q->data.option);
  case CMD_MANUAL_LIST: return manual_list(s, &r->data.manual_list);
  case CMD_MANUAL: return manual_option(s, q->data.option);
  case CMD_MANUAL_DELETE: return manual_delete_sample(s, q->data.option);
  case CMD_SETTIME: return settime(s, &q->data.time, &r->data.manual_timestamp);
  case CMD_CLIENT_ACCESSES_BY_INDEX3: return clients(s, &q->data.clients, &r->data.clients);
  case CMD_RTCREPORT: return rtc_report(s, &r->data.rtc);
  case CMD_TRIMRTC:
    if (!s->rtc)
      return CMD_STT_NORTC;
    rtct_trim(s->rtc);
    return CMD_STT_SUCCESS;
  case CMD_WRITERTC:
    return !s->rtc ? CMD_STT_NORTC : rtct_write(s->rtc) ? CMD_STT_SUCCESS : CMD_STT_BADRTCFILE;
  case CMD_ONLINE: return set_online(s, &q->data.subnet, true, true);
  case CMD_OFFLINE: return set_online(s, &q->data.subnet, false, true);
  case CMD_ONOFFLINE: {
    struct cmd_req_subnet all;
    memset(&all, 0, sizeof(all));
    return set_online(s, &all, true, false);
  }
  case CMD_BURST: return burst(s, &q->data.subnet);
  case CMD_MAKESTEP:
    return s->client && ref_step_now(client_reference(s->client)) ? CMD_STT_SUCCESS
                                                                   : CMD_STT_FAILED;
  case CMD_MODIFY_MAKESTEP:
    if (s->client)
      ref_set_makestep(client_reference(s->client), q->data.makestep.threshold,
                       q->data.makestep.limit);
    return CMD_STT_SUCCESS;
  case CMD_MODIFY_MINPOLL: return modify(s, &q->data.modify, CLIENT_MINPOLL, q->data.modify.ivalue);
  case CMD_MODIFY_MAXPOLL: return modify(s, &q->data.modify, CLIENT_MAXPOLL, q->data.modify.ivalue);
  case CMD_MODIFY_MINSTRATUM:
    return modify(s, &q->data.modify, CLIENT_MINSTRATUM, q->data.modify.ivalue);
  case CMD_MODIFY_POLLTARGET:
    return modify(s, &q->data.modify, CLIENT_POLLTARGET, q->data.modify.ivalue);
  case CMD_MODIFY_MAXDELAY:
    return modify(s, &q->data.modify, CLIENT_MAXDELAY, q->data.modify.fvalue);
  case CMD_MODIFY_MAXDELAYRATIO:
    return modify(s, &q->data.modify, CLIENT_MAXDELAYRATIO, q->data.modify.fvalue);
  case CMD_MODIFY_MAXDELAYDEVRATIO:
    return modify(s, &q->data.modify, CLIENT_MAXDELAYDEVRATIO, q->data.modify.fvalue);
  case CMD_MODIFY_MAXUPDATESKEW:
    if (s->client)
      ref_set_maxupdateskew(client_reference(s->client), q->data.value);
    return CMD_STT_SUCCESS;
  case CMD_RESELECT: return with_client(s, client_reselect);
  case CMD_RESELECTDISTANCE:
    if (s->client)
      client_set_reselectdist(s->client, q->data.value);
    return CMD_STT_SUCCESS;
  case CMD_RESET_SOURCES: return with_client(s, client_reset_sources);
  case CMD_MODIFY_SELECTOPTS: return select_options(s, &q->data.select_opts);
  case CMD_MODIFY_OFFSET: {
    struct ip_addr a = cmdsrv_ip_to_addr(&q->data.offset.address);
    return s->client && client_modify_offset(s->client, &a, q->data.offset.ref_id,
                                             q->data.offset.offset)
               ? CMD_STT_SUCCESS
               : CMD_STT_NOSUCHSOURCE;
  }
  case CMD_LOCAL2:   /* chronyc 4.3's: no activate or wait options (0 here) */
  case CMD_LOCAL3: {
    struct ref_local l = {.enabled = q->data.local.on_off != 0,
                          .stratum = q->data.local.stratum,
                          .orphan = q->data.local.orphan != 0,
                          .distance = q->data.local.distance,
                          .activate = q->data.local.activate,
                          .wait_synced = q->data.local.wait_synced,
                          .wait_unsynced = q->data.local.wait_unsynced};
    struct timespec t;
    now(s, &t);
    ref_set_local(s->ref, &l, &t);
    plat_logf(s->plat, PLAT_LOG_INFO, "%s local reference mode",   /* chronyd's */
              l.enabled ? "Enabled" : "Disabled");
    return CMD_STT_SUCCESS;
  }
  case CMD_ALLOW: return access_rule(&s->ntp->access, &q->data.allow, true, false);
  case CMD_ALLOWALL: return access_rule(&s->ntp->access, &q->data.allow, true, true);
  case CMD_DENY: return access_rule(&s->ntp->access, &q->data.allow, false, false);
  case CMD_DENYALL: return access_rule(&s->ntp->access, &q->data.allow, false, true);
  case CMD_CMDALLOW: return access_rule(&s->access, &q->data.allow, true, false);
  case CMD_CMDALLOWALL: return access_rule(&s->access, &q->data.allow, true, true);
  case CMD_CMDDENY: return access_rule(&s->access, &q->data.allow, false, false);
  case CMD_CMDDENYALL: return access_rule(&s->access, &q->data.allow, false, true);
  case CMD_ACCHECK: return access_query(&s->ntp->access, &q->data.ip);
  case CMD_CMDACCHECK: return access_query(&s->access, &q->data.ip);
  case CMD_ADD_SOURCE:
    return s->ops.add_source ? s->ops.add_source(s->ops.arg, &q->data.source)
                             : CMD_STT_NOTENABLED;
  case CMD_DEL_SOURCE: {
    struct ip_addr a = cmdsrv_ip_to_addr(&q->data.ip);
    return s->ops.delete_source ? s->ops.delete_source(s->ops.arg, &a) : CMD_STT_NOTENABLED;
  }
  case CMD_RELOAD_SOURCES: return op(s->ops.reload_sources, s->ops.arg);
  case CMD_REFRESH: return op(s->ops.refresh, s->ops.arg);
  case CMD_DUMP: return op(s->ops.dump, s->ops.arg);
  case CMD_REKEY: return op(s->ops.rekey, s->ops.arg);
  case CMD_CYCLELOGS: return op(s->ops.cyclelogs, s->ops.arg);
  case CMD_SHUTDOWN: return op(s->ops.shutdown, s->ops.arg);
  case CMD_ST_RELOAD_CONFIG:
    return s->ops.reload_config ? s->ops.reload_config(s->ops.arg, q->data.option == 1)
                                : CMD_STT_NOTENABLED;
  case CMD_ST_RELOAD_REPORT:
    if (!s->ops.reload_report)
      return CMD_STT_NOTENABLED;
    return s->ops.reload_report(s->ops.arg, q->data.index, &r->data.text.total,
                                r->data.text.text, sizeof(r->data.text.text))
               ? CMD_STT_SUCCESS
               : CMD_STT_INVALID;
  case CMD_DOFFSET2: return accumulate(s, false, q->data.value);
  case CMD_DFREQ: return accumulate(s, true, q->data.value);
  default:
    return CMD_STT_NOTENABLED;
  }
}

/* A bare reply with an error status, if it fits in the request's length. */
static size_t status_reply(const struct cmd_request *q, uint16_t status, size_t len, uint8_t *out,
                           size_t cap)
{
  struct cmd_reply r;
  if (len < CMD_REPLY_HEADER_LEN)
    return 0;
  memset(&r, 0, sizeof(r));
  r.command = q->command;
  r.reply = CMD_RPY_NULL;
  r.status = status;
  r.sequence = q->sequence;
  return cmd_build_reply(&r, out, cap);
}

static bool is_localhost(const struct ip_addr *a)
{
  static const uint8_t lo6[16] = {[15] = 1};
  return (a->family == ADDR_INET4 && a->bytes[0] == 127 && a->bytes[1] == 0 && a->bytes[2] == 0 &&
          a->bytes[3] == 1) ||
         (a->family == ADDR_INET6 && memcmp(a->bytes, lo6, 16) == 0);
}

/* Log a request with a valid header in the client log; false: drop it
 * (cmdratelimit). from: NULL from the Unix socket, and then rx too. */
static bool log_request(struct cmdsrv *s, const struct ip_addr *from, const struct timespec *rx)
{
  if (!s->clog)
    return true;
  static const struct ip_addr none = {.family = ADDR_UNSPEC};
  struct timespec t;
  if (!rx) {
    now(s, &t);
    rx = &t;
  }
  int index = clog_access(s->clog, CLOG_CMD, from ? from : &none, rx);
  if (!from || is_localhost(from) || clog_limit(s->clog, CLOG_CMD, index) == CLOG_PASS)
    return true;
  s->drops++;
  return false;
}

/* from/rx: the sender over UDP, or NULL (the Unix socket, or not known). */
static size_t process(struct cmdsrv *s, const uint8_t *req, size_t len, bool local,
                      const struct ip_addr *from, const struct timespec *rx, uint8_t *out,
                      size_t cap)
{
  struct cmd_request q;
  size_t n;
  enum cmd_parse_result parsed = cmd_parse_request(req, len, &q);
  if (parsed != CMD_PARSE_DROP && (local || from) && !log_request(s, from, rx))
    return 0;
  switch (parsed) {
  case CMD_PARSE_OK: break;
  case CMD_PARSE_BAD_VERSION:
    s->drops++;
    return status_reply(&q, CMD_STT_BADPKTVERSION, len, out, cap);
  case CMD_PARSE_UNKNOWN:
    s->drops++;
    return status_reply(&q, CMD_STT_INVALID, len, out, cap);
  case CMD_PARSE_BAD_LENGTH:
    s->drops++;
    return status_reply(&q, CMD_STT_BADPKTLENGTH, len, out, cap);
  default:
    s->drops++;
    return 0;
  }
  s->hits++;
  if (!local && !open_command(s, q.command))
    return status_reply(&q, CMD_STT_UNAUTH, len, out, cap);

  struct cmd_reply *r = &(struct cmd_reply){0};
  r->command = q.command;
  r->reply = cmd_reply_code_for(q.command, len);   /* the format its padding asks for */
  r->sequence = q.sequence;
  r->status = (uint16_t)dispatch(s, &q, r);
  n = cmd_build_reply(r, out, cap);
  return n <= len ? n : 0;
}

size_t cmdsrv_process(struct cmdsrv *s, const uint8_t *req, size_t len, bool local,
                      uint8_t *out, size_t cap)
{
  return process(s, req, len, local, NULL, NULL, out, cap);
}

size_t cmdsrv_process_udp(struct cmdsrv *s, const struct ip_addr *from, const struct timespec *rx,
                          const uint8_t *req, size_t len, uint8_t *out, size_t cap)
{
  if (!access_check(&s->access, from)) {
    s->drops++;
    return 0;
  }
  return process(s, req, len, false, from, rx, out, cap);
}

void cmdsrv_receive(void *arg, int sock, const struct plat_datagram *dg)
{
  struct cmdsrv *s = arg;
  uint8_t out[CMD_MAX_PACKET];
  struct ip_addr from = addr_unmap_v4(&dg->from);
  size_t n = cmdsrv_process_udp(s, &from, &dg->rx_time, dg->data, dg->len, out, sizeof(out));
  if (n > 0)
    s->plat->ops->udp_send(s->plat->ctx, sock, &dg->local, &dg->from, dg->from_port, out, n, 0);
}
