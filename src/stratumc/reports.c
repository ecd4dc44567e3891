#include "stratumc/reports.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proto/ntp_packet.h"
#include "stratumc/date.h"
#include "stratumc/format.h"
#include "stratumc/ipaddr.h"
#include "proto/metrics.h"
#include "proto/ntp_time.h"

#define NAME_LEN 256
#define N(vals) ((int)(sizeof(vals) / sizeof(vals[0])))

static bool simple_request(struct sc_session *s, uint16_t command, struct cmd_reply *rpy)
{
  struct cmd_request req = {.command = command};
  return sc_session_request(s, &req, rpy, cmd_reply_code(command), false);
}

static bool indexed_request(struct sc_session *s, uint16_t command, uint32_t index,
                            struct cmd_reply *rpy)
{
  struct cmd_request req = {.command = command};
  req.data.index = index;
  return sc_session_request(s, &req, rpy, cmd_reply_code(command), false);
}

static bool ip_request(struct sc_session *s, uint16_t command, const struct cmd_ip *ip,
                       struct cmd_reply *rpy)
{
  struct cmd_request req = {.command = command};
  req.data.ip = *ip;
  return sc_session_request(s, &req, rpy, cmd_reply_code(command), false);
}

static bool n_sources(struct sc_session *s, uint32_t *n)
{
  struct cmd_reply rpy;
  if (!simple_request(s, CMD_N_SOURCES, &rpy))
    return false;
  *n = rpy.data.n_sources;
  return true;
}

/* The legends of -v (human form only, as chronyc ignores -v with -c). */
static void legend(struct sc_session *s, bool verbose, const char *text)
{
  if (verbose)
    sc_out_text(s->out, text);
}

/* ---------------------------------------------------------------- tracking */

static bool tracking(struct sc_session *s)
{
  struct cmd_reply rpy;
  char name[NAME_LEN];
  if (!simple_request(s, CMD_TRACKING, &rpy))
    return false;
  const struct cmd_rpy_tracking *t = &rpy.data.tracking;
  sc_session_name(s, name, sizeof(name), 0, t->ip.family == CMD_IP_UNSPEC, t->ref_id, true,
                  &t->ip);
  const union sc_val v[] = {
    SV_I(t->ref_id), SV_S(name), SV_I(t->stratum), SV_T(&t->ref_time),
    SV_D(t->current_correction), SV_D(t->last_offset), SV_D(t->rms_offset), SV_D(t->freq_ppm),
    SV_D(t->resid_freq_ppm), SV_D(t->skew_ppm), SV_D(t->root_delay), SV_D(t->root_dispersion),
    SV_D(t->last_update_interval), SV_I(t->leap_status)};
  sc_out_record(s->out,
                "Reference ID    : %R{ref_id} (%s{name})\n"
                "Stratum         : %u{stratum}\n"
                "Ref time (UTC)  : %T{ref_time}\n"
                "System time     : %.9O{system_time_correction} of NTP time\n"
                "Last offset     : %+.9f{last_offset} seconds\n"
                "RMS offset      : %.9f{rms_offset} seconds\n"
                "Frequency       : %.3F{frequency_ppm}\n"
                "Residual freq   : %+.3f{residual_frequency_ppm} ppm\n"
                "Skew            : %.3f{skew_ppm} ppm\n"
                "Root delay      : %.9f{root_delay} seconds\n"
                "Root dispersion : %.9f{root_dispersion} seconds\n"
                "Update interval : %.1f{update_interval} seconds\n"
                "Leap status     : %L{leap_status}\n", v, N(v));
  return true;
}

/* ---------------------------------------------------------------- sources */

/* A table with one row per source: the request for each index, the row
 * printer of its reply (reference clocks, with ID addresses, only with -a). */
struct source_table {
  const char *legend, *header;
  uint16_t command;
  size_t ip_offset;              /* of the source's address in struct cmd_reply */
  void (*row)(struct sc_session *s, const struct cmd_reply *rpy);
};

static bool source_table(struct sc_session *s, const struct sc_command *cmd,
                         const struct source_table *t)
{
  uint32_t n;
  struct cmd_reply rpy;
  if (!n_sources(s, &n))
    return false;
  legend(s, cmd->verbose, t->legend);
  sc_out_header(s->out, t->header);
  sc_out_list(s->out, "sources");
  for (uint32_t i = 0; i < n; i++) {
    if (!indexed_request(s, t->command, i, &rpy))
      return false;
    const struct cmd_ip *ip = (const void *)((const char *)&rpy + t->ip_offset);
    if (cmd->all || ip->family != CMD_IP_ID)
      t->row(s, &rpy);
  }
  return true;
}

static const char sources_legend[] =
  "\n"
  "  .-- Source mode  '^' = server, '=' = peer, '#' = local clock.\n"
  " / .- Source state '*' = current best, '+' = combined, '-' = not combined,\n"
  "| /             'x' = may be in error, '~' = too variable, '?' = unusable.\n"
  "||                                                 .- xxxx [ yyyy ] +/- zzzz\n"
  "||      Reachability register (octal) -.           |  xxxx = adjusted offset,\n"
  "||      Log2(Polling interval) --.      |          |  yyyy = measured offset,\n"
  "||                                \\     |          |  zzzz = estimated error.\n"
  "||                                 |    |           \\\n";

static char mode_char(uint16_t mode)
{
  static const char chars[] = "^=#";
  return mode < 3 ? chars[mode] : ' ';
}

static char state_char(uint16_t state)
{
  static const char chars[] = "*?x~+-";
  return state < 6 ? chars[state] : ' ';
}

static void source_row(struct sc_session *s, const struct cmd_reply *rpy)
{
  const struct cmd_rpy_source_data *d = &rpy->data.source_data;
  char name[NAME_LEN];
  bool ref = d->mode == CMD_SD_MODE_REF && d->ip.family == CMD_IP_INET4;
  uint32_t ref_id = (uint32_t)d->ip.bytes[0] << 24 | (uint32_t)d->ip.bytes[1] << 16 |
                    (uint32_t)d->ip.bytes[2] << 8 | d->ip.bytes[3];
  sc_session_name(s, name, sizeof(name), 25, ref, ref ? ref_id : 0, true, &d->ip);
  const union sc_val v[] = {
    SV_I(mode_char(d->mode)), SV_I(state_char(d->state)), SV_S(name), SV_I(d->stratum),
    SV_I(d->poll), SV_I(d->reachability), SV_I(d->since_sample), SV_D(d->latest_meas),
    SV_D(d->orig_latest_meas), SV_D(d->latest_meas_err)};
  sc_out_record(s->out,
                "%c{mode}%c{state} %-27s{name}  %2d{stratum}  %2d{poll}   %3o{reach}  "
                "%I{last_rx}  %+S{adjusted_offset}[%+S{measured_offset}] +/- %S{error}\n",
                v, N(v));
}

static bool sources(struct sc_session *s, const struct sc_command *cmd)
{
  static const struct source_table t = {
    sources_legend,
    "MS Name/IP address         Stratum Poll Reach LastRx Last sample               ",
    CMD_SOURCE_DATA, offsetof(struct cmd_reply, data.source_data.ip), source_row};
  return source_table(s, cmd, &t);
}

/* ---------------------------------------------------------------- sourcestats */

static const char sourcestats_legend[] =
  "                             .- Number of sample points in measurement set.\n"
  "                            /    .- Number of residual runs with same sign.\n"
  "                           |    /    .- Length of measurement set (time).\n"
  "                           |   |    /      .- Est. clock freq error (ppm).\n"
  "                           |   |   |      /           .- Est. error in freq.\n"
  "                           |   |   |     |           /         .- Est. offset.\n"
  "                           |   |   |     |          |          |   On the -.\n"
  "                           |   |   |     |          |          |   samples. \\\n"
  "                           |   |   |     |          |          |             |\n";

static void sourcestats_row(struct sc_session *s, const struct cmd_reply *rpy)
{
  const struct cmd_rpy_sourcestats *d = &rpy->data.sourcestats;
  char name[NAME_LEN];
  sc_session_name(s, name, sizeof(name), 25, d->ip.family == CMD_IP_UNSPEC, d->ref_id, true,
                  &d->ip);
  const union sc_val v[] = {
    SV_S(name), SV_I(d->n_samples), SV_I(d->n_runs), SV_I(d->span_seconds),
    SV_D(d->resid_freq_ppm), SV_D(d->skew_ppm), SV_D(d->est_offset), SV_D(d->sd)};
  sc_out_record(s->out,
                "%-25s{name} %3U{samples} %3U{runs}  %I{span} %+P{frequency_ppm} "
                "%P{frequency_skew_ppm}  %+S{offset}  %S{std_dev}\n", v, N(v));
}

static bool sourcestats(struct sc_session *s, const struct sc_command *cmd)
{
  static const struct source_table t = {
    sourcestats_legend,
    "Name/IP Address            NP  NR  Span  Frequency  Freq Skew  Offset  Std Dev",
    CMD_SOURCESTATS, offsetof(struct cmd_reply, data.sourcestats.ip), sourcestats_row};
  return source_table(s, cmd, &t);
}

/* ---------------------------------------------------------------- selectdata */

static const char selectdata_legend[] =
  "  . State: N - noselect, s - unsynchronised, M - missing samples,\n"
  " /         d/D - large distance, ~ - jittery, w/W - waits for others,\n"
  "|          S - stale, O - orphan, T - not trusted, P - not preferred,\n"
  "|          U - waits for update,, x - falseticker, + - combined, * - best.\n"
  "|   Effective options   ---------.  (N - noselect, P - prefer\n"
  "|   Configured options  ----.     \\  T - trust, R - require)\n"
  "|   Auth. enabled (Y/N) -.   \\     \\     Offset interval --.\n"
  "|                        |    |     |                       |\n";

static char option_char(uint16_t options, uint16_t bit, char c)
{
  return options & bit ? c : '-';
}

static void selectdata_row(struct sc_session *s, const struct cmd_reply *rpy)
{
  const struct cmd_rpy_select_data *d = &rpy->data.select_data;
  char name[NAME_LEN];
  uint16_t c = d->conf_options, e = d->eff_options;
  sc_session_name(s, name, sizeof(name), 25, d->ip.family == CMD_IP_UNSPEC, d->ref_id, true,
                  &d->ip);
  const union sc_val v[] = {
    SV_I(d->state_char), SV_S(name), SV_I(d->authentication ? 'Y' : 'N'),
    SV_I(option_char(c, CMD_SD_OPT_NOSELECT, 'N')), SV_I(option_char(c, CMD_SD_OPT_PREFER, 'P')),
    SV_I(option_char(c, CMD_SD_OPT_TRUST, 'T')), SV_I(option_char(c, CMD_SD_OPT_REQUIRE, 'R')),
    SV_I('-'),
    SV_I(option_char(e, CMD_SD_OPT_NOSELECT, 'N')), SV_I(option_char(e, CMD_SD_OPT_PREFER, 'P')),
    SV_I(option_char(e, CMD_SD_OPT_TRUST, 'T')), SV_I(option_char(e, CMD_SD_OPT_REQUIRE, 'R')),
    SV_I('-'),
    SV_I(d->last_sample_ago), SV_D(d->score), SV_D(d->lo_limit), SV_D(d->hi_limit),
    SV_I(d->leap)};
  sc_out_record(s->out,
                "%c{state} %-25s{name} %c{authenticated} "
                "%c{conf_noselect}%c{conf_prefer}%c{conf_trust}%c{conf_require}%c "
                "%c{eff_noselect}%c{eff_prefer}%c{eff_trust}%c{eff_require}%c "
                "%I{last_sample_ago} %5.1f{score} %+S{lo_limit} %+S{hi_limit}  %1L{leap}\n",
                v, N(v));
}

static bool selectdata(struct sc_session *s, const struct sc_command *cmd)
{
  static const struct source_table t = {
    selectdata_legend,
    "S Name/IP Address        Auth COpts EOpts Last Score     Interval  Leap",
    CMD_SELECT_DATA, offsetof(struct cmd_reply, data.select_data.ip), selectdata_row};
  return source_table(s, cmd, &t);
}

/* ---------------------------------------------------------------- activity, serverstats */

static bool activity(struct sc_session *s)
{
  struct cmd_reply rpy;
  if (!simple_request(s, CMD_ACTIVITY, &rpy))
    return false;
  const struct cmd_rpy_activity *a = &rpy.data.activity;
  sc_out_text(s->out, "200 OK\n");
  const union sc_val v[] = {SV_I(a->online), SV_I(a->offline), SV_I(a->burst_online),
                            SV_I(a->burst_offline), SV_I(a->unresolved)};
  sc_out_record(s->out,
                "%U{online} sources online\n"
                "%U{offline} sources offline\n"
                "%U{burst_online} sources doing burst (return to online)\n"
                "%U{burst_offline} sources doing burst (return to offline)\n"
                "%U{unresolved} sources with unknown address\n", v, N(v));
  return true;
}

static bool serverstats(struct sc_session *s)
{
  struct cmd_reply rpy;
  if (!simple_request(s, CMD_SERVER_STATS, &rpy))
    return false;
  const struct cmd_rpy_server_stats *t = &rpy.data.server_stats;
  const union sc_val v[] = {
    SV_I(t->ntp_hits), SV_I(t->ntp_drops), SV_I(t->cmd_hits), SV_I(t->cmd_drops),
    SV_I(t->log_drops), SV_I(t->nke_hits), SV_I(t->nke_drops), SV_I(t->ntp_auth_hits),
    SV_I(t->ntp_interleaved_hits), SV_I(t->ntp_timestamps), SV_I(t->ntp_span_seconds),
    SV_I(t->ntp_daemon_rx_timestamps), SV_I(t->ntp_daemon_tx_timestamps),
    SV_I(t->ntp_kernel_rx_timestamps), SV_I(t->ntp_kernel_tx_timestamps),
    SV_I(t->ntp_hw_rx_timestamps), SV_I(t->ntp_hw_tx_timestamps)};
  /* chronyc 4.8's report from the newer reply; 4.3's from chronyd 4.3's */
  bool newer = rpy.reply == CMD_RPY_SERVER_STATS4;
  char format[2048];
  snprintf(format, sizeof(format), "%s%s",
           "NTP packets received       : %Q{ntp_packets_received}\n"
           "NTP packets dropped        : %Q{ntp_packets_dropped}\n"
           "Command packets received   : %Q{command_packets_received}\n"
           "Command packets dropped    : %Q{command_packets_dropped}\n"
           "Client log records dropped : %Q{client_log_records_dropped}\n"
           "NTS-KE connections accepted: %Q{nts_ke_connections_accepted}\n"
           "NTS-KE connections dropped : %Q{nts_ke_connections_dropped}\n"
           "Authenticated NTP packets  : %Q{authenticated_ntp_packets}\n"
           "Interleaved NTP packets    : %Q{interleaved_ntp_packets}\n"
           "NTP timestamps held        : %Q{ntp_timestamps_held}\n"
           "NTP timestamp span         : %Q{ntp_timestamp_span}\n",
           !newer ? "" :
           "NTP daemon RX timestamps   : %Q{ntp_daemon_rx_timestamps}\n"
           "NTP daemon TX timestamps   : %Q{ntp_daemon_tx_timestamps}\n"
           "NTP kernel RX timestamps   : %Q{ntp_kernel_rx_timestamps}\n"
           "NTP kernel TX timestamps   : %Q{ntp_kernel_tx_timestamps}\n"
           "NTP hardware RX timestamps : %Q{ntp_hardware_rx_timestamps}\n"
           "NTP hardware TX timestamps : %Q{ntp_hardware_tx_timestamps}\n");
  sc_out_record(s->out, format, v, newer ? N(v) : N(v) - 6);
  return true;
}

/* ---------------------------------------------------------------- clients */

static void client_row(struct sc_session *s, const struct sc_command *cmd,
                       const struct cmd_rpy_client *c)
{
  char name[NAME_LEN];
  sc_session_name(s, name, sizeof(name), 25, false, 0, false, &c->ip);
  const union sc_val v[] = {
    SV_S(name), SV_I(c->ntp_hits), SV_I(c->ntp_drops), SV_I(c->ntp_interval),
    SV_I(c->ntp_timeout_interval), SV_I(c->last_ntp_hit_ago),
    SV_I(cmd->nke ? c->nke_hits : c->cmd_hits), SV_I(cmd->nke ? c->nke_drops : c->cmd_drops),
    SV_I(cmd->nke ? c->nke_interval : c->cmd_interval),
    SV_I(cmd->nke ? c->last_nke_hit_ago : c->last_cmd_hit_ago)};
  sc_out_record(s->out, cmd->nke ?
                "%-25s{name}  %6U{ntp_hits}  %5U{ntp_drops}  %C{ntp_interval}  "
                "%C{ntp_timeout_interval}  %I{last_ntp_ago}  %6U{nts_ke_hits}  "
                "%5U{nts_ke_drops}  %C{nts_ke_interval}  %I{last_nts_ke_ago}\n" :
                "%-25s{name}  %6U{ntp_hits}  %5U{ntp_drops}  %C{ntp_interval}  "
                "%C{ntp_timeout_interval}  %I{last_ntp_ago}  %6U{cmd_hits}  "
                "%5U{cmd_drops}  %C{cmd_interval}  %I{last_cmd_ago}\n", v, N(v));
}

static bool clients(struct sc_session *s, const struct sc_command *cmd)
{
  struct cmd_request req = {.command = CMD_CLIENT_ACCESSES_BY_INDEX3};
  struct cmd_reply rpy;
  char header[96];
  snprintf(header, sizeof(header),
           "Hostname                      NTP   Drop Int IntL Last  %6s   Drop Int  Last",
           cmd->nke ? "NTS-KE" : "Cmd");
  sc_out_header(s->out, header);
  sc_out_list(s->out, "clients");
  /* bounded: each round asks from the index the daemon said is next */
  for (uint32_t next = 0, rounds = 0; rounds < 1u << 20; rounds++) {
    req.data.clients = (struct cmd_req_clients){next, CMD_MAX_CLIENTS, cmd->min_hits, cmd->reset};
    if (!sc_session_request(s, &req, &rpy, CMD_RPY_CLIENT_ACCESSES_BY_INDEX3, false))
      return false;
    const struct cmd_rpy_clients *c = &rpy.data.clients;
    for (uint32_t i = 0; i < c->n_clients && i < CMD_MAX_CLIENTS; i++)
      if (c->clients[i].ip.family != CMD_IP_UNSPEC)
        client_row(s, cmd, &c->clients[i]);
    if (c->next_index >= c->n_indices || c->n_clients < CMD_MAX_CLIENTS || c->next_index <= next)
      break;
    next = c->next_index;
  }
  return true;
}

/* ---------------------------------------------------------------- ntpdata */

/* newer: chronyc 4.8's report of the newer reply (four more counts) */
static void ntpdata_record(struct sc_session *s, const struct cmd_rpy_ntp_data *d, bool newer)
{
  char remote[SC_IP_STR_LEN], local[SC_IP_STR_LEN], ref[8] = "";
  sc_ip_to_string(&d->remote_addr, remote, sizeof(remote));
  sc_ip_to_string(&d->local_addr, local, sizeof(local));
  if (d->stratum <= 1)
    sc_refid_to_string(d->ref_id, ref, sizeof(ref));
  const union sc_val v[] = {
    SV_S(remote), SV_I(sc_ip_refid(&d->remote_addr)), SV_I(d->remote_port), SV_S(local),
    SV_I(sc_ip_refid(&d->local_addr)), SV_I(d->leap), SV_I(d->version), SV_I(d->mode),
    SV_I(d->stratum), SV_I(d->poll), SV_D(sc_log2_to_double(d->poll)), SV_I(d->precision),
    SV_D(sc_log2_to_double(d->precision)), SV_D(d->root_delay), SV_D(d->root_dispersion),
    SV_I(d->ref_id), SV_S(ref), SV_T(&d->ref_time), SV_D(d->offset), SV_D(d->peer_delay),
    SV_D(d->peer_dispersion), SV_D(d->response_time), SV_D(d->jitter_asymmetry),
    SV_I(d->flags >> 7), SV_I(d->flags >> 4), SV_I(d->flags),
    SV_I(d->flags & CMD_NTP_FLAG_INTERLEAVED), SV_I(d->flags & CMD_NTP_FLAG_AUTHENTICATED),
    SV_I(d->tx_tss_char), SV_I(d->rx_tss_char), SV_I(d->total_tx_count),
    SV_I(d->total_rx_count), SV_I(d->total_valid_count), SV_I(d->total_good_count),
    SV_I(d->total_kernel_tx_ts), SV_I(d->total_kernel_rx_ts), SV_I(d->total_hw_tx_ts),
    SV_I(d->total_hw_rx_ts)};
  static const char newer_lines[] = "Total kernel TX : %U{total_kernel_tx}\n"
                                    "Total kernel RX : %U{total_kernel_rx}\n"
                                    "Total HW TX     : %U{total_hw_tx}\n"
                                    "Total HW RX     : %U{total_hw_rx}\n";
  char format[2048];
  snprintf(format, sizeof(format), "%s%s",
                "Remote address  : %s{remote_address} (%R{remote_refid})\n"
                "Remote port     : %u{remote_port}\n"
                "Local address   : %s{local_address} (%R{local_refid})\n"
                "Leap status     : %L{leap_status}\n"
                "Version         : %u{version}\n"
                "Mode            : %M{mode}\n"
                "Stratum         : %u{stratum}\n"
                "Poll interval   : %d{poll} (%.0f{poll_seconds} seconds)\n"
                "Precision       : %d{precision} (%.9f{precision_seconds} seconds)\n"
                "Root delay      : %.6f{root_delay} seconds\n"
                "Root dispersion : %.6f{root_dispersion} seconds\n"
                "Reference ID    : %R{ref_id} (%s{ref_name})\n"
                "Reference time  : %T{ref_time}\n"
                "Offset          : %+.9f{offset} seconds\n"
                "Peer delay      : %.9f{peer_delay} seconds\n"
                "Peer dispersion : %.9f{peer_dispersion} seconds\n"
                "Response time   : %.9f{response_time} seconds\n"
                "Jitter asymmetry: %+.2f{jitter_asymmetry}\n"
                "NTP tests       : %.3b{tests_packet} %.3b{tests_header} %.4b{tests_sample}\n"
                "Interleaved     : %B{interleaved}\n"
                "Authenticated   : %B{authenticated}\n"
                "TX timestamping : %N{tx_timestamping}\n"
                "RX timestamping : %N{rx_timestamping}\n"
                "Total TX        : %U{total_tx}\n"
                "Total RX        : %U{total_rx}\n"
                "Total valid RX  : %U{total_valid_rx}\n"
                "Total good RX   : %U{total_good_rx}\n", newer ? newer_lines : "");
  sc_out_record(s->out, format, v, newer ? N(v) : N(v) - 4);
}

static bool ntpdata_of(struct sc_session *s, const struct cmd_ip *ip, bool blank_line)
{
  struct cmd_reply rpy;
  if (!ip_request(s, CMD_NTP_DATA, ip, &rpy))
    return false;
  if (blank_line)
    sc_out_text(s->out, "\n");
  ntpdata_record(s, &rpy.data.ntp_data, rpy.reply == CMD_RPY_NTP_DATA2);
  return true;
}

static bool ntpdata(struct sc_session *s, const struct sc_command *cmd)
{
  uint32_t n;
  struct cmd_reply rpy;
  if (cmd->have_address)
    return ntpdata_of(s, &cmd->address, false);
  if (!n_sources(s, &n))
    return false;
  sc_out_list(s->out, "sources");
  for (uint32_t i = 0; i < n; i++) {
    if (!indexed_request(s, CMD_SOURCE_DATA, i, &rpy))
      return false;
    const struct cmd_rpy_source_data *d = &rpy.data.source_data;
    if ((d->mode != CMD_SD_MODE_CLIENT && d->mode != CMD_SD_MODE_PEER) ||
        !sc_ip_is_real(&d->ip))
      continue;
    struct cmd_ip ip = d->ip;
    if (!ntpdata_of(s, &ip, true))
      return false;
  }
  return true;
}

/* ---------------------------------------------------------------- authdata */

static const char authdata_legend[] =
  "                             .- Auth. mechanism (NTS, SK - symmetric key)\n"
  "                            |   Key length -.  Cookie length (bytes) -.\n"
  "                            |       (bits)  |  Num. of cookies --.    |\n"
  "                            |               |  Key est. attempts  |   |\n"
  "                            |               |           |         |   |\n";

static const char *auth_mode_name(uint16_t mode)
{
  static const char *const names[] = {"-", "SK", "NTS"};
  return mode < 3 ? names[mode] : "?";
}

static void authdata_row(struct sc_session *s, const struct cmd_ip *ip,
                         const struct cmd_rpy_auth_data *a)
{
  char name[NAME_LEN];
  sc_session_name(s, name, sizeof(name), 25, false, 0, true, ip);
  const union sc_val v[] = {
    SV_S(name), SV_S(auth_mode_name(a->mode)), SV_I(a->key_id), SV_I(a->key_type),
    SV_I(a->key_length), SV_I(a->last_ke_ago), SV_I(a->ke_attempts), SV_I(a->nak),
    SV_I(a->cookies), SV_I(a->cookie_length)};
  sc_out_record(s->out,
                "%-27s{name} %4s{mode} %5U{key_id} %4d{key_type} %4d{key_length} "
                "%I{last_ke_ago} %4d{ke_attempts} %4d{nak} %4d{cookies} %4d{cookie_length}\n",
                v, N(v));
}

static bool authdata(struct sc_session *s, const struct sc_command *cmd)
{
  uint32_t n;
  struct cmd_reply rpy;
  if (!n_sources(s, &n))
    return false;
  legend(s, cmd->verbose, authdata_legend);
  sc_out_header(s->out, "Name/IP address             Mode KeyID Type KLen Last Atmp  NAK Cook CLen");
  sc_out_list(s->out, "sources");
  for (uint32_t i = 0; i < n; i++) {
    if (!indexed_request(s, CMD_SOURCE_DATA, i, &rpy))
      return false;
    const struct cmd_rpy_source_data *d = &rpy.data.source_data;
    if ((d->mode != CMD_SD_MODE_CLIENT && d->mode != CMD_SD_MODE_PEER) ||
        (!cmd->all && d->ip.family == CMD_IP_ID))
      continue;
    struct cmd_ip ip = d->ip;
    if (!ip_request(s, CMD_AUTH_DATA, &ip, &rpy))
      return false;
    authdata_row(s, &ip, &rpy.data.auth_data);
  }
  return true;
}

/* ---------------------------------------------------------------- sourcename */

static bool sourcename(struct sc_session *s, const struct sc_command *cmd)
{
  char name[NAME_LEN];
  if (!sc_session_source_name(s, &cmd->address, name, sizeof(name)))
    return false;
  const union sc_val v[] = {SV_S(name)};
  sc_out_record(s->out, "%s{name}\n", v, N(v));
  return true;
}

/* ---------------------------------------------------------------- waitsync */

static bool synchronised(const struct sc_command *cmd, const struct cmd_rpy_tracking *t)
{
  double correction = t->current_correction < 0 ? -t->current_correction : t->current_correction;
  return (t->ip.family != CMD_IP_UNSPEC || (t->ref_id != 0 && t->ref_id != NTP_REFID_LOCAL)) &&
         (cmd->max_correction == 0.0 || correction <= cmd->max_correction) &&
         (cmd->max_skew == 0.0 || t->skew_ppm <= cmd->max_skew);
}

/* seconds >= 0.1; an infinite or huge one is a wait until a signal. */
static bool sleep_interval(double seconds)
{
  struct timespec ts = timespec_from_double(seconds);
  return nanosleep(&ts, NULL) == 0;   /* a signal ends the wait, as in chronyc */
}

static bool waitsync(struct sc_session *s, const struct sc_command *cmd)
{
  struct cmd_reply rpy;
  bool ok = false;
  sc_out_list(s->out, "tries");
  for (int i = 1; ; i++) {
    if (simple_request(s, CMD_TRACKING, &rpy)) {
      const struct cmd_rpy_tracking *t = &rpy.data.tracking;
      double correction = t->current_correction < 0 ? -t->current_correction
                                                    : t->current_correction;
      const union sc_val v[] = {SV_I(i), SV_I(t->ref_id), SV_D(correction), SV_D(t->skew_ppm)};
      sc_out_record(s->out, "try: %d{try}, refid: %R{ref_id}, correction: %.9f{correction}, "
                            "skew: %.3f{skew_ppm}\n", v, N(v));
      ok = synchronised(cmd, t);
    }
    if (ok || (cmd->max_tries && i >= cmd->max_tries) || !sleep_interval(cmd->interval))
      break;
  }
  return ok;
}

/* ---------------------------------------------------------------- smoothing, rtc, manual */

static bool smoothing(struct sc_session *s)
{
  struct cmd_reply rpy;
  if (!simple_request(s, CMD_SMOOTHING, &rpy))
    return false;
  const struct cmd_rpy_smoothing *m = &rpy.data.smoothing;
  const union sc_val v[] = {
    SV_I(!!(m->flags & CMD_SMT_ACTIVE)), SV_S(m->flags & CMD_SMT_LEAPONLY ? "(leap second only)" : ""),
    SV_D(m->offset), SV_D(m->freq_ppm), SV_D(m->wander_ppm), SV_D(m->last_update_ago),
    SV_D(m->remaining_time)};
  sc_out_record(s->out,
                "Active         : %B{active} %s{leap_only}\n"
                "Offset         : %+.9f{offset} seconds\n"
                "Frequency      : %+.6f{frequency_ppm} ppm\n"
                "Wander         : %+.6f{wander_ppm} ppm per second\n"
                "Last update    : %.1f{last_update_ago} seconds ago\n"
                "Remaining time : %.1f{remaining_time} seconds\n", v, N(v));
  return true;
}

static bool rtcdata(struct sc_session *s)
{
  struct cmd_reply rpy;
  if (!simple_request(s, CMD_RTCREPORT, &rpy))
    return false;
  const struct cmd_rpy_rtc *r = &rpy.data.rtc;
  const union sc_val v[] = {
    SV_T(&r->ref_time), SV_I(r->n_samples), SV_I(r->n_runs), SV_I(r->span_seconds),
    SV_D(r->rtc_seconds_fast), SV_D(r->rtc_gain_rate_ppm)};
  sc_out_record(s->out,
                "RTC ref time (UTC) : %T{ref_time}\n"
                "Number of samples  : %u{samples}\n"
                "Number of runs     : %u{runs}\n"
                "Sample span period : %I{span}\n"
                "RTC is fast by     : %12.6f{rtc_fast} seconds\n"
                "RTC gains time at  : %9.3f{rtc_gain_ppm} ppm\n", v, N(v));
  return true;
}

static bool manual_list(struct sc_session *s)
{
  struct cmd_reply rpy;
  char info[48];
  if (!simple_request(s, CMD_MANUAL_LIST, &rpy))
    return false;
  const struct cmd_rpy_manual_list *m = &rpy.data.manual_list;
  snprintf(info, sizeof(info), "210 n_samples = %u\n", m->n_samples);
  sc_out_text(s->out, info);
  sc_out_header(s->out, "#    Date     Time(UTC)    Slewed   Original   Residual");
  sc_out_list(s->out, "samples");
  for (uint32_t i = 0; i < m->n_samples && i < CMD_MAX_MANUAL_SAMPLES; i++) {
    const struct cmd_rpy_manual_sample *x = &m->samples[i];
    char when[32] = "";
    struct tm tm;
    time_t sec = x->when.tv_sec;
    if (gmtime_r(&sec, &tm))
      strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    const union sc_val v[] = {SV_I(i), SV_S(when), SV_D(x->slewed_offset),
                              SV_D(x->orig_offset), SV_D(x->residual)};
    sc_out_record(s->out, "%2d{index} %s{time} %10.2f{slewed} %10.2f{original} %10.2f{residual}\n",
                  v, N(v));
  }
  return true;
}

static bool settime(struct sc_session *s, const char *date)
{
  struct cmd_request req = {.command = CMD_SETTIME};
  struct cmd_reply rpy;
  time_t t;
  if (!sc_date_parse(date, s->now ? s->now(s->now_arg) : time(NULL), &t)) {
    sc_out_error(s->out, "510 - Could not parse date string");
    return false;
  }
  req.data.time.tv_sec = t;
  if (!sc_session_request(s, &req, &rpy, CMD_RPY_MANUAL_TIMESTAMP2, true))   /* "200 OK" first, as chronyc */
    return false;
  const struct cmd_rpy_manual_timestamp *m = &rpy.data.manual_timestamp;
  const union sc_val v[] = {SV_D(m->offset), SV_D(m->dfreq_ppm), SV_D(m->new_afreq_ppm)};
  sc_out_record(s->out,
                "Clock was %.2f{offset} seconds fast.  Frequency change = %.2f{dfreq_ppm}ppm, "
                "new frequency = %.2f{new_freq_ppm}ppm\n", v, N(v));
  return true;
}

/* ---------------------------------------------------------------- metrics */

/* The text goes to the output whatever happened (chrony_up 0 when the
 * daemon did not answer, for a textfile collector to see); the status
 * line of a failure goes to stderr only, so the output stays valid. */
static bool metrics(struct sc_session *s)
{
  struct metrics_reports r;
  struct metrics_text t = {0};
  if (!metrics_fetch(&r, s->exchange, s->exchange_arg)) {
    sc_out_error(s->out, "Out of memory");
    return false;
  }
  bool ok = metrics_render(&r, &t);
  if (ok)
    fputs(t.data, s->out->f);
  else
    sc_out_error(s->out, "Out of memory");
  if (!r.up)
    sc_out_error(s->out, "506 Cannot talk to daemon");
  metrics_text_free(&t);
  metrics_reports_free(&r);
  return ok && r.up;
}

/* ---------------------------------------------------------------- reload config */

/* Stratum's own requests (chronyd answers 502 Invalid command): the
 * reload, then its report line by line (at most RELOAD_MAX_LINES, whatever
 * a daemon says: the log has them all); the status line last. */
#define RELOAD_MAX_LINES (1u << 20)
static bool reload_config(struct sc_session *s, const struct sc_command *cmd)
{
  struct cmd_request req = {.command = CMD_ST_RELOAD_CONFIG};
  struct cmd_reply rpy;
  req.data.option = cmd->dry_run ? 1 : 0;
  if (!s->exchange(s->exchange_arg, &req, &rpy)) {
    sc_out_status(s->out, "506 Cannot talk to daemon");
    return false;
  }
  uint16_t status = rpy.status;
  if (status != CMD_STT_SUCCESS && status != CMD_STT_FAILED) {
    sc_out_status(s->out, sc_status_text(status));   /* e.g. chronyd's 502 */
    return false;
  }
  sc_out_list(s->out, "report");
  uint32_t total = 1;
  for (uint32_t i = 0; i < total; i++) {
    char text[CMD_NAME_LEN + 1];
    if (!indexed_request(s, CMD_ST_RELOAD_REPORT, i, &rpy))
      return false;
    total = rpy.data.text.total < RELOAD_MAX_LINES ? rpy.data.text.total : RELOAD_MAX_LINES;
    memcpy(text, rpy.data.text.text, CMD_NAME_LEN);
    text[CMD_NAME_LEN] = '\0';
    if (i >= total)
      break;
    const union sc_val v[] = {SV_S(text)};
    sc_out_record(s->out, "%s{line}\n", v, N(v));
  }
  sc_out_status(s->out, sc_status_text(status));
  return status == CMD_STT_SUCCESS;
}

bool sc_report_run(struct sc_session *s, const struct sc_command *cmd)
{
  switch (cmd->report) {
  case SC_REP_TRACKING: return tracking(s);
  case SC_REP_SOURCES: return sources(s, cmd);
  case SC_REP_SOURCESTATS: return sourcestats(s, cmd);
  case SC_REP_SELECTDATA: return selectdata(s, cmd);
  case SC_REP_ACTIVITY: return activity(s);
  case SC_REP_SERVERSTATS: return serverstats(s);
  case SC_REP_CLIENTS: return clients(s, cmd);
  case SC_REP_NTPDATA: return ntpdata(s, cmd);
  case SC_REP_AUTHDATA: return authdata(s, cmd);
  case SC_REP_SOURCENAME: return sourcename(s, cmd);
  case SC_REP_WAITSYNC: return waitsync(s, cmd);
  case SC_REP_SMOOTHING: return smoothing(s);
  case SC_REP_RTCDATA: return rtcdata(s);
  case SC_REP_MANUAL_LIST: return manual_list(s);
  case SC_REP_SETTIME: return settime(s, cmd->date);
  case SC_REP_METRICS: return metrics(s);
  case SC_REP_RELOAD: return reload_config(s, cmd);
  }
  return false;
}
