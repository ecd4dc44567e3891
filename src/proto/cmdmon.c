/* cmdmon: chrony's command protocol v6 (see cmdmon.h). Each message is a
 * layout: a list of fields, each a wire kind and the offset of its host
 * value; one walker encodes and decodes every message. */
#include "proto/cmdmon.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "proto/num.h"
#include "proto/wire.h"

/* K_U64: chrony's Integer64 (high, low); K_SAT32: a uint64_t host value
 * in 32 bits, saturated. */
enum kind { K_U8, K_I8, K_U16, K_I16, K_U32, K_I32, K_U64, K_SAT32, K_FLOAT, K_TIME, K_IP,
            K_NAME, K_PAD, K_ARRAY };

struct layout;
struct field {
  uint8_t kind;
  uint16_t off;                  /* of the host value */
  uint16_t n;                    /* K_PAD: bytes; K_ARRAY: elements */
  uint16_t stride;               /* K_ARRAY: host size of an element */
  const struct layout *sub;      /* K_ARRAY: an element's layout */
};
struct layout {
  const struct field *f;
  unsigned n;
};

#define F(k, type, m) { .kind = (k), .off = offsetof(type, m) }
#define PAD(bytes) { .kind = K_PAD, .n = (bytes) }
#define LAYOUT(a) { (a), sizeof(a) / sizeof((a)[0]) }
#define NO_DATA { NULL, 0 }

/* ---- request layouts (offsets within union data of struct cmd_request) ---- */
typedef struct cmd_request RQ;
static const struct field rq_subnet[] = {
  F(K_IP, RQ, data.subnet.mask), F(K_IP, RQ, data.subnet.address)};
static const struct field rq_burst[] = {
  F(K_IP, RQ, data.subnet.mask), F(K_IP, RQ, data.subnet.address),
  F(K_I32, RQ, data.subnet.n_good), F(K_I32, RQ, data.subnet.n_total)};
static const struct field rq_modify_int[] = {
  F(K_IP, RQ, data.modify.address), F(K_I32, RQ, data.modify.ivalue)};
static const struct field rq_modify_float[] = {
  F(K_IP, RQ, data.modify.address), F(K_FLOAT, RQ, data.modify.fvalue)};
static const struct field rq_allow[] = {
  F(K_IP, RQ, data.allow.ip), F(K_I32, RQ, data.allow.subnet_bits)};
static const struct field rq_ip[] = {F(K_IP, RQ, data.ip)};
static const struct field rq_index[] = {F(K_U32, RQ, data.index)};
static const struct field rq_option[] = {F(K_I32, RQ, data.option)};
static const struct field rq_value[] = {F(K_FLOAT, RQ, data.value)};
static const struct field rq_time[] = {F(K_TIME, RQ, data.time)};
static const struct field rq_clients[] = {
  F(K_U32, RQ, data.clients.first_index), F(K_U32, RQ, data.clients.n_clients),
  F(K_U32, RQ, data.clients.min_hits), F(K_U32, RQ, data.clients.reset)};
static const struct field rq_local[] = {
  F(K_I32, RQ, data.local.on_off), F(K_I32, RQ, data.local.stratum),
  F(K_FLOAT, RQ, data.local.distance), F(K_I32, RQ, data.local.orphan)};
static const struct field rq_select_opts[] = {
  F(K_IP, RQ, data.select_opts.address), F(K_U32, RQ, data.select_opts.ref_id),
  F(K_U32, RQ, data.select_opts.mask), F(K_U32, RQ, data.select_opts.options)};
static const struct field rq_offset[] = {
  F(K_IP, RQ, data.offset.address), F(K_U32, RQ, data.offset.ref_id),
  F(K_FLOAT, RQ, data.offset.offset)};
static const struct field rq_local3[] = {
  F(K_I32, RQ, data.local.on_off), F(K_I32, RQ, data.local.stratum),
  F(K_FLOAT, RQ, data.local.distance), F(K_I32, RQ, data.local.orphan),
  F(K_FLOAT, RQ, data.local.activate), F(K_FLOAT, RQ, data.local.wait_synced),
  F(K_FLOAT, RQ, data.local.wait_unsynced)};
static const struct field rq_makestep[] = {
  F(K_I32, RQ, data.makestep.limit), F(K_FLOAT, RQ, data.makestep.threshold)};
static const struct field rq_source[] = {
  F(K_U32, RQ, data.source.type), F(K_NAME, RQ, data.source.name),
  F(K_U32, RQ, data.source.port), F(K_I32, RQ, data.source.minpoll),
  F(K_I32, RQ, data.source.maxpoll), F(K_I32, RQ, data.source.presend_minpoll),
  F(K_U32, RQ, data.source.min_stratum), F(K_U32, RQ, data.source.poll_target),
  F(K_U32, RQ, data.source.version), F(K_U32, RQ, data.source.max_sources),
  F(K_I32, RQ, data.source.min_samples), F(K_I32, RQ, data.source.max_samples),
  F(K_U32, RQ, data.source.authkey), F(K_U32, RQ, data.source.nts_port),
  F(K_FLOAT, RQ, data.source.max_delay), F(K_FLOAT, RQ, data.source.max_delay_ratio),
  F(K_FLOAT, RQ, data.source.max_delay_dev_ratio), F(K_FLOAT, RQ, data.source.min_delay),
  F(K_FLOAT, RQ, data.source.asymmetry), F(K_FLOAT, RQ, data.source.offset),
  F(K_U32, RQ, data.source.flags), F(K_I32, RQ, data.source.filter_length),
  F(K_U32, RQ, data.source.cert_set), F(K_FLOAT, RQ, data.source.max_delay_quant),
  F(K_I32, RQ, data.source.max_unreach)};

/* ---- reply layouts (offsets within union data of struct cmd_reply) ---- */
typedef struct cmd_reply RP;
static const struct field rp_n_sources[] = {F(K_U32, RP, data.n_sources)};
static const struct field rp_source_data[] = {
  F(K_IP, RP, data.source_data.ip), F(K_I16, RP, data.source_data.poll),
  F(K_U16, RP, data.source_data.stratum), F(K_U16, RP, data.source_data.state),
  F(K_U16, RP, data.source_data.mode), F(K_U16, RP, data.source_data.flags),
  F(K_U16, RP, data.source_data.reachability), F(K_U32, RP, data.source_data.since_sample),
  F(K_FLOAT, RP, data.source_data.orig_latest_meas), F(K_FLOAT, RP, data.source_data.latest_meas),
  F(K_FLOAT, RP, data.source_data.latest_meas_err)};
static const struct field rp_tracking[] = {
  F(K_U32, RP, data.tracking.ref_id), F(K_IP, RP, data.tracking.ip),
  F(K_U16, RP, data.tracking.stratum), F(K_U16, RP, data.tracking.leap_status),
  F(K_TIME, RP, data.tracking.ref_time), F(K_FLOAT, RP, data.tracking.current_correction),
  F(K_FLOAT, RP, data.tracking.last_offset), F(K_FLOAT, RP, data.tracking.rms_offset),
  F(K_FLOAT, RP, data.tracking.freq_ppm), F(K_FLOAT, RP, data.tracking.resid_freq_ppm),
  F(K_FLOAT, RP, data.tracking.skew_ppm), F(K_FLOAT, RP, data.tracking.root_delay),
  F(K_FLOAT, RP, data.tracking.root_dispersion),
  F(K_FLOAT, RP, data.tracking.last_update_interval)};
static const struct field rp_sourcestats[] = {
  F(K_U32, RP, data.sourcestats.ref_id), F(K_IP, RP, data.sourcestats.ip),
  F(K_U32, RP, data.sourcestats.n_samples), F(K_U32, RP, data.sourcestats.n_runs),
  F(K_U32, RP, data.sourcestats.span_seconds), F(K_FLOAT, RP, data.sourcestats.sd),
  F(K_FLOAT, RP, data.sourcestats.resid_freq_ppm), F(K_FLOAT, RP, data.sourcestats.skew_ppm),
  F(K_FLOAT, RP, data.sourcestats.est_offset), F(K_FLOAT, RP, data.sourcestats.est_offset_err)};
static const struct field rp_rtc[] = {
  F(K_TIME, RP, data.rtc.ref_time), F(K_U16, RP, data.rtc.n_samples),
  F(K_U16, RP, data.rtc.n_runs), F(K_U32, RP, data.rtc.span_seconds),
  F(K_FLOAT, RP, data.rtc.rtc_seconds_fast), F(K_FLOAT, RP, data.rtc.rtc_gain_rate_ppm)};
static const struct field rp_activity[] = {
  F(K_I32, RP, data.activity.online), F(K_I32, RP, data.activity.offline),
  F(K_I32, RP, data.activity.burst_online), F(K_I32, RP, data.activity.burst_offline),
  F(K_I32, RP, data.activity.unresolved)};
static const struct field rp_smoothing[] = {
  F(K_U32, RP, data.smoothing.flags), F(K_FLOAT, RP, data.smoothing.offset),
  F(K_FLOAT, RP, data.smoothing.freq_ppm), F(K_FLOAT, RP, data.smoothing.wander_ppm),
  F(K_FLOAT, RP, data.smoothing.last_update_ago), F(K_FLOAT, RP, data.smoothing.remaining_time)};
#define SERVER_STATS_FIRST(k)                                                              \
  F(k, RP, data.server_stats.ntp_hits), F(k, RP, data.server_stats.nke_hits),              \
  F(k, RP, data.server_stats.cmd_hits), F(k, RP, data.server_stats.ntp_drops),             \
  F(k, RP, data.server_stats.nke_drops), F(k, RP, data.server_stats.cmd_drops),            \
  F(k, RP, data.server_stats.log_drops), F(k, RP, data.server_stats.ntp_auth_hits),        \
  F(k, RP, data.server_stats.ntp_interleaved_hits),                                        \
  F(k, RP, data.server_stats.ntp_timestamps), F(k, RP, data.server_stats.ntp_span_seconds)
static const struct field rp_server_stats3[] = {SERVER_STATS_FIRST(K_SAT32)};
static const struct field rp_server_stats4[] = {
  SERVER_STATS_FIRST(K_U64),
  F(K_U64, RP, data.server_stats.ntp_daemon_rx_timestamps),
  F(K_U64, RP, data.server_stats.ntp_daemon_tx_timestamps),
  F(K_U64, RP, data.server_stats.ntp_kernel_rx_timestamps),
  F(K_U64, RP, data.server_stats.ntp_kernel_tx_timestamps),
  F(K_U64, RP, data.server_stats.ntp_hw_rx_timestamps),
  F(K_U64, RP, data.server_stats.ntp_hw_tx_timestamps), PAD(4 * 8)};
#define NTP_DATA_FIRST                                                                     \
  F(K_IP, RP, data.ntp_data.remote_addr), F(K_IP, RP, data.ntp_data.local_addr),           \
  F(K_U16, RP, data.ntp_data.remote_port), F(K_U8, RP, data.ntp_data.leap),                \
  F(K_U8, RP, data.ntp_data.version), F(K_U8, RP, data.ntp_data.mode),                     \
  F(K_U8, RP, data.ntp_data.stratum), F(K_I8, RP, data.ntp_data.poll),                     \
  F(K_I8, RP, data.ntp_data.precision), F(K_FLOAT, RP, data.ntp_data.root_delay),          \
  F(K_FLOAT, RP, data.ntp_data.root_dispersion), F(K_U32, RP, data.ntp_data.ref_id),       \
  F(K_TIME, RP, data.ntp_data.ref_time), F(K_FLOAT, RP, data.ntp_data.offset),             \
  F(K_FLOAT, RP, data.ntp_data.peer_delay), F(K_FLOAT, RP, data.ntp_data.peer_dispersion), \
  F(K_FLOAT, RP, data.ntp_data.response_time), F(K_FLOAT, RP, data.ntp_data.jitter_asymmetry), \
  F(K_U16, RP, data.ntp_data.flags), F(K_U8, RP, data.ntp_data.tx_tss_char),               \
  F(K_U8, RP, data.ntp_data.rx_tss_char), F(K_U32, RP, data.ntp_data.total_tx_count),      \
  F(K_U32, RP, data.ntp_data.total_rx_count), F(K_U32, RP, data.ntp_data.total_valid_count), \
  F(K_U32, RP, data.ntp_data.total_good_count)
static const struct field rp_ntp_data[] = {NTP_DATA_FIRST, PAD(3 * 4)};
static const struct field rp_ntp_data2[] = {
  NTP_DATA_FIRST, F(K_U32, RP, data.ntp_data.total_kernel_tx_ts),
  F(K_U32, RP, data.ntp_data.total_kernel_rx_ts), F(K_U32, RP, data.ntp_data.total_hw_tx_ts),
  F(K_U32, RP, data.ntp_data.total_hw_rx_ts), PAD(4 * 4)};
static const struct field rp_manual_timestamp[] = {
  F(K_FLOAT, RP, data.manual_timestamp.offset), F(K_FLOAT, RP, data.manual_timestamp.dfreq_ppm),
  F(K_FLOAT, RP, data.manual_timestamp.new_afreq_ppm)};
typedef struct cmd_rpy_manual_sample MS;
static const struct field rp_manual_sample[] = {
  F(K_TIME, MS, when), F(K_FLOAT, MS, slewed_offset), F(K_FLOAT, MS, orig_offset),
  F(K_FLOAT, MS, residual)};
static const struct layout manual_sample = LAYOUT(rp_manual_sample);
static const struct field rp_manual_list[] = {
  F(K_U32, RP, data.manual_list.n_samples),
  {.kind = K_ARRAY, .off = offsetof(RP, data.manual_list.samples), .n = CMD_MAX_MANUAL_SAMPLES,
   .stride = sizeof(MS), .sub = &manual_sample}};
static const struct field rp_name[] = {F(K_NAME, RP, data.name)};
static const struct field rp_auth_data[] = {
  F(K_U16, RP, data.auth_data.mode), F(K_U16, RP, data.auth_data.key_type),
  F(K_U32, RP, data.auth_data.key_id), F(K_U16, RP, data.auth_data.key_length),
  F(K_U16, RP, data.auth_data.ke_attempts), F(K_U32, RP, data.auth_data.last_ke_ago),
  F(K_U16, RP, data.auth_data.cookies), F(K_U16, RP, data.auth_data.cookie_length),
  F(K_U16, RP, data.auth_data.nak), PAD(2)};
typedef struct cmd_rpy_client CL;
static const struct field rp_client[] = {
  F(K_IP, CL, ip), F(K_U32, CL, ntp_hits), F(K_U32, CL, nke_hits), F(K_U32, CL, cmd_hits),
  F(K_U32, CL, ntp_drops), F(K_U32, CL, nke_drops), F(K_U32, CL, cmd_drops),
  F(K_I8, CL, ntp_interval), F(K_I8, CL, nke_interval), F(K_I8, CL, cmd_interval),
  F(K_I8, CL, ntp_timeout_interval), F(K_U32, CL, last_ntp_hit_ago),
  F(K_U32, CL, last_nke_hit_ago), F(K_U32, CL, last_cmd_hit_ago)};
static const struct layout client = LAYOUT(rp_client);
static const struct field rp_clients[] = {
  F(K_U32, RP, data.clients.n_indices), F(K_U32, RP, data.clients.next_index),
  F(K_U32, RP, data.clients.n_clients),
  {.kind = K_ARRAY, .off = offsetof(RP, data.clients.clients), .n = CMD_MAX_CLIENTS,
   .stride = sizeof(CL), .sub = &client}};
static const struct field rp_select_data[] = {
  F(K_U32, RP, data.select_data.ref_id), F(K_IP, RP, data.select_data.ip),
  F(K_U8, RP, data.select_data.state_char), F(K_U8, RP, data.select_data.authentication),
  F(K_U8, RP, data.select_data.leap), PAD(1), F(K_U16, RP, data.select_data.conf_options),
  F(K_U16, RP, data.select_data.eff_options), F(K_U32, RP, data.select_data.last_sample_ago),
  F(K_FLOAT, RP, data.select_data.score), F(K_FLOAT, RP, data.select_data.lo_limit),
  F(K_FLOAT, RP, data.select_data.hi_limit)};
static const struct field rp_text[] = {
  F(K_U32, RP, data.text.total), F(K_NAME, RP, data.text.text)};

struct reply_type {
  uint16_t code;
  struct layout data;
};
static const struct reply_type replies[] = {
  {CMD_RPY_NULL, NO_DATA},
  {CMD_RPY_N_SOURCES, LAYOUT(rp_n_sources)},
  {CMD_RPY_SOURCE_DATA, LAYOUT(rp_source_data)},
  {CMD_RPY_TRACKING, LAYOUT(rp_tracking)},
  {CMD_RPY_SOURCESTATS, LAYOUT(rp_sourcestats)},
  {CMD_RPY_RTC, LAYOUT(rp_rtc)},
  {CMD_RPY_ACTIVITY, LAYOUT(rp_activity)},
  {CMD_RPY_SMOOTHING, LAYOUT(rp_smoothing)},
  {CMD_RPY_NTP_DATA, LAYOUT(rp_ntp_data)},
  {CMD_RPY_MANUAL_TIMESTAMP2, LAYOUT(rp_manual_timestamp)},
  {CMD_RPY_MANUAL_LIST2, LAYOUT(rp_manual_list)},
  {CMD_RPY_NTP_SOURCE_NAME, LAYOUT(rp_name)},
  {CMD_RPY_AUTH_DATA, LAYOUT(rp_auth_data)},
  {CMD_RPY_CLIENT_ACCESSES_BY_INDEX3, LAYOUT(rp_clients)},
  {CMD_RPY_SELECT_DATA, LAYOUT(rp_select_data)},
  {CMD_RPY_SERVER_STATS3, LAYOUT(rp_server_stats3)},
  {CMD_RPY_SERVER_STATS4, LAYOUT(rp_server_stats4)},
  {CMD_RPY_NTP_DATA2, LAYOUT(rp_ntp_data2)},
  {CMD_RPY_ST_TEXT, LAYOUT(rp_text)},
};

struct command_type {
  uint16_t command;
  struct layout data;
  uint16_t reply;                /* of a successful request */
};
static const struct command_type commands[] = {
  {CMD_ONLINE, LAYOUT(rq_subnet), CMD_RPY_NULL},
  {CMD_OFFLINE, LAYOUT(rq_subnet), CMD_RPY_NULL},
  {CMD_BURST, LAYOUT(rq_burst), CMD_RPY_NULL},
  {CMD_MODIFY_MINPOLL, LAYOUT(rq_modify_int), CMD_RPY_NULL},
  {CMD_MODIFY_MAXPOLL, LAYOUT(rq_modify_int), CMD_RPY_NULL},
  {CMD_DUMP, LAYOUT(rq_option), CMD_RPY_NULL},
  {CMD_MODIFY_MAXDELAY, LAYOUT(rq_modify_float), CMD_RPY_NULL},
  {CMD_MODIFY_MAXDELAYRATIO, LAYOUT(rq_modify_float), CMD_RPY_NULL},
  {CMD_MODIFY_MAXUPDATESKEW, LAYOUT(rq_value), CMD_RPY_NULL},
  {CMD_SETTIME, LAYOUT(rq_time), CMD_RPY_MANUAL_TIMESTAMP2},
  {CMD_MANUAL, LAYOUT(rq_option), CMD_RPY_NULL},
  {CMD_N_SOURCES, NO_DATA, CMD_RPY_N_SOURCES},
  {CMD_SOURCE_DATA, LAYOUT(rq_index), CMD_RPY_SOURCE_DATA},
  {CMD_REKEY, NO_DATA, CMD_RPY_NULL},
  {CMD_ALLOW, LAYOUT(rq_allow), CMD_RPY_NULL},
  {CMD_ALLOWALL, LAYOUT(rq_allow), CMD_RPY_NULL},
  {CMD_DENY, LAYOUT(rq_allow), CMD_RPY_NULL},
  {CMD_DENYALL, LAYOUT(rq_allow), CMD_RPY_NULL},
  {CMD_CMDALLOW, LAYOUT(rq_allow), CMD_RPY_NULL},
  {CMD_CMDALLOWALL, LAYOUT(rq_allow), CMD_RPY_NULL},
  {CMD_CMDDENY, LAYOUT(rq_allow), CMD_RPY_NULL},
  {CMD_CMDDENYALL, LAYOUT(rq_allow), CMD_RPY_NULL},
  {CMD_ACCHECK, LAYOUT(rq_ip), CMD_RPY_NULL},
  {CMD_CMDACCHECK, LAYOUT(rq_ip), CMD_RPY_NULL},
  {CMD_DEL_SOURCE, LAYOUT(rq_ip), CMD_RPY_NULL},
  {CMD_WRITERTC, NO_DATA, CMD_RPY_NULL},
  {CMD_DFREQ, LAYOUT(rq_value), CMD_RPY_NULL},
  {CMD_TRACKING, NO_DATA, CMD_RPY_TRACKING},
  {CMD_SOURCESTATS, LAYOUT(rq_index), CMD_RPY_SOURCESTATS},
  {CMD_RTCREPORT, NO_DATA, CMD_RPY_RTC},
  {CMD_TRIMRTC, NO_DATA, CMD_RPY_NULL},
  {CMD_CYCLELOGS, NO_DATA, CMD_RPY_NULL},
  {CMD_MANUAL_LIST, NO_DATA, CMD_RPY_MANUAL_LIST2},
  {CMD_MANUAL_DELETE, LAYOUT(rq_option), CMD_RPY_NULL},
  {CMD_MAKESTEP, NO_DATA, CMD_RPY_NULL},
  {CMD_ACTIVITY, NO_DATA, CMD_RPY_ACTIVITY},
  {CMD_MODIFY_MINSTRATUM, LAYOUT(rq_modify_int), CMD_RPY_NULL},
  {CMD_MODIFY_POLLTARGET, LAYOUT(rq_modify_int), CMD_RPY_NULL},
  {CMD_MODIFY_MAXDELAYDEVRATIO, LAYOUT(rq_modify_float), CMD_RPY_NULL},
  {CMD_RESELECT, NO_DATA, CMD_RPY_NULL},
  {CMD_RESELECTDISTANCE, LAYOUT(rq_value), CMD_RPY_NULL},
  {CMD_MODIFY_MAKESTEP, LAYOUT(rq_makestep), CMD_RPY_NULL},
  {CMD_SMOOTHING, NO_DATA, CMD_RPY_SMOOTHING},
  {CMD_SMOOTHTIME, LAYOUT(rq_option), CMD_RPY_NULL},
  {CMD_REFRESH, NO_DATA, CMD_RPY_NULL},
  {CMD_SERVER_STATS, NO_DATA, CMD_RPY_SERVER_STATS4},
  {CMD_LOCAL2, LAYOUT(rq_local), CMD_RPY_NULL},
  {CMD_LOCAL3, LAYOUT(rq_local3), CMD_RPY_NULL},
  {CMD_NTP_DATA, LAYOUT(rq_ip), CMD_RPY_NTP_DATA2},
  {CMD_SHUTDOWN, NO_DATA, CMD_RPY_NULL},
  {CMD_ONOFFLINE, NO_DATA, CMD_RPY_NULL},
  {CMD_ADD_SOURCE, LAYOUT(rq_source), CMD_RPY_NULL},
  {CMD_NTP_SOURCE_NAME, LAYOUT(rq_ip), CMD_RPY_NTP_SOURCE_NAME},
  {CMD_RESET_SOURCES, NO_DATA, CMD_RPY_NULL},
  {CMD_AUTH_DATA, LAYOUT(rq_ip), CMD_RPY_AUTH_DATA},
  {CMD_CLIENT_ACCESSES_BY_INDEX3, LAYOUT(rq_clients), CMD_RPY_CLIENT_ACCESSES_BY_INDEX3},
  {CMD_SELECT_DATA, LAYOUT(rq_index), CMD_RPY_SELECT_DATA},
  {CMD_RELOAD_SOURCES, NO_DATA, CMD_RPY_NULL},
  {CMD_DOFFSET2, LAYOUT(rq_value), CMD_RPY_NULL},
  {CMD_MODIFY_SELECTOPTS, LAYOUT(rq_select_opts), CMD_RPY_NULL},
  {CMD_MODIFY_OFFSET, LAYOUT(rq_offset), CMD_RPY_NULL},
  {CMD_ST_RELOAD_CONFIG, LAYOUT(rq_option), CMD_RPY_NULL},
  {CMD_ST_RELOAD_REPORT, LAYOUT(rq_index), CMD_RPY_ST_TEXT},
};

/* The older formats of replies, which a request only padded for them gets
 * (chronyc 4.3's serverstats, 4.3 to 4.5's ntpdata). */
static const struct {
  uint16_t command, reply;
} older_replies[] = {
  {CMD_SERVER_STATS, CMD_RPY_SERVER_STATS3},
  {CMD_NTP_DATA, CMD_RPY_NTP_DATA},
};

/* The older reply to the command, or 0 if it has none. */
static uint16_t older_reply(uint16_t command)
{
  for (size_t i = 0; i < sizeof(older_replies) / sizeof(older_replies[0]); i++)
    if (older_replies[i].command == command)
      return older_replies[i].reply;
  return 0;
}

static const struct command_type *find_command(uint16_t command)
{
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    if (commands[i].command == command)
      return &commands[i];
  return NULL;
}

static const struct reply_type *find_reply(uint16_t code)
{
  for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++)
    if (replies[i].code == code)
      return &replies[i];
  return NULL;
}

/* ---- Float ---- */
#define FLOAT_EXP_BITS 7
#define FLOAT_COEF_BITS 25
#define FLOAT_EXP_MIN (-(1 << (FLOAT_EXP_BITS - 1)))
#define FLOAT_EXP_MAX ((1 << (FLOAT_EXP_BITS - 1)) - 1)
#define FLOAT_COEF_MAX ((1 << (FLOAT_COEF_BITS - 1)) - 1)

uint32_t cmd_float_encode(double x)
{
  int exp;
  if (!(x == x))                 /* NaN: zero, as nothing better exists */
    return 0;
  if (x == 0.0)
    return 0;
  if (isinf(x))                  /* frexp's exponent is unspecified for it */
    x = copysign(DBL_MAX, x);
  (void)num_frexp(x, &exp);          /* |x| = m * 2^exp, 0.5 <= m < 1 */
  exp += 1;                      /* so that |coef| = |m| * 2^24 < 2^24 */
  if (exp > FLOAT_EXP_MAX) {
    exp = FLOAT_EXP_MAX;
    x = x > 0 ? INFINITY : -INFINITY;
  } else if (exp < FLOAT_EXP_MIN) {
    exp = FLOAT_EXP_MIN;
  }
  double c = num_round(num_ldexp(x, FLOAT_COEF_BITS - exp));
  if (c > FLOAT_COEF_MAX) {      /* rounding up to 2^24: one more exponent */
    if (exp < FLOAT_EXP_MAX) {
      exp++;
      c = num_round(num_ldexp(x, FLOAT_COEF_BITS - exp));
    } else {
      c = FLOAT_COEF_MAX;
    }
  } else if (c < -FLOAT_COEF_MAX - 1) {
    c = -FLOAT_COEF_MAX - 1;
  }
  int32_t coef = (int32_t)c;
  return ((uint32_t)exp << FLOAT_COEF_BITS) | ((uint32_t)coef & ((1u << FLOAT_COEF_BITS) - 1));
}

double cmd_float_decode(uint32_t f)
{
  int32_t exp = (int32_t)(f >> FLOAT_COEF_BITS);
  if (exp > FLOAT_EXP_MAX)
    exp -= 1 << FLOAT_EXP_BITS;
  int32_t coef = (int32_t)(f & ((1u << FLOAT_COEF_BITS) - 1));
  if (coef > FLOAT_COEF_MAX)
    coef -= 1 << FLOAT_COEF_BITS;
  return num_ldexp((double)coef, exp - FLOAT_COEF_BITS);
}

/* ---- fields ---- */
#define TV_NOHIGHSEC 0x7fffffffu   /* chrony's marker of a 32-bit seconds value */

static void put_ip(struct wire_writer *w, const struct cmd_ip *ip)
{
  wire_put_bytes(w, ip->bytes, sizeof(ip->bytes));
  wire_put_u16(w, ip->family);
  wire_put_u16(w, 0);
}

static void get_ip(struct wire_reader *r, struct cmd_ip *ip)
{
  wire_get_bytes(r, ip->bytes, sizeof(ip->bytes));
  ip->family = wire_get_u16(r);
  (void)wire_get_u16(r);
}

static void put_time(struct wire_writer *w, const struct timespec *t)
{
  uint64_t s = (uint64_t)(int64_t)t->tv_sec;
  wire_put_u32(w, (uint32_t)(s >> 32));
  wire_put_u32(w, (uint32_t)s);
  wire_put_u32(w, (uint32_t)t->tv_nsec);
}

static void get_time(struct wire_reader *r, struct timespec *t)
{
  uint32_t high = wire_get_u32(r), low = wire_get_u32(r), nsec = wire_get_u32(r);
  if (high == TV_NOHIGHSEC)
    high = 0;
  t->tv_sec = (time_t)(int64_t)(((uint64_t)high << 32) | low);
  t->tv_nsec = nsec < 1000000000u ? (long)nsec : 999999999L;
}

static void walk(const struct layout *l, void *host, struct wire_reader *r, struct wire_writer *w);

static void field(const struct field *f, uint8_t *p, struct wire_reader *r, struct wire_writer *w)
{
  uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32; uint64_t u64;
  double d;
  switch (f->kind) {
  case K_U8:
    if (w) { memcpy(&u8, p, 1); wire_put_u8(w, u8); }
    else { u8 = wire_get_u8(r); memcpy(p, &u8, 1); }
    break;
  case K_I8:
    if (w) { memcpy(&i8, p, 1); wire_put_u8(w, (uint8_t)i8); }
    else { i8 = (int8_t)wire_get_u8(r); memcpy(p, &i8, 1); }
    break;
  case K_U16:
    if (w) { memcpy(&u16, p, 2); wire_put_u16(w, u16); }
    else { u16 = wire_get_u16(r); memcpy(p, &u16, 2); }
    break;
  case K_I16:
    if (w) { memcpy(&i16, p, 2); wire_put_u16(w, (uint16_t)i16); }
    else { i16 = (int16_t)wire_get_u16(r); memcpy(p, &i16, 2); }
    break;
  case K_U32:
    if (w) { memcpy(&u32, p, 4); wire_put_u32(w, u32); }
    else { u32 = wire_get_u32(r); memcpy(p, &u32, 4); }
    break;
  case K_I32:
    if (w) { memcpy(&i32, p, 4); wire_put_u32(w, (uint32_t)i32); }
    else { i32 = (int32_t)wire_get_u32(r); memcpy(p, &i32, 4); }
    break;
  case K_U64:
    if (w) {
      memcpy(&u64, p, 8);
      wire_put_u32(w, (uint32_t)(u64 >> 32));
      wire_put_u32(w, (uint32_t)u64);
    } else {
      u64 = (uint64_t)wire_get_u32(r) << 32;
      u64 |= wire_get_u32(r);
      memcpy(p, &u64, 8);
    }
    break;
  case K_SAT32:
    if (w) { memcpy(&u64, p, 8); wire_put_u32(w, u64 > UINT32_MAX ? UINT32_MAX : (uint32_t)u64); }
    else { u64 = wire_get_u32(r); memcpy(p, &u64, 8); }
    break;
  case K_FLOAT:
    if (w) { memcpy(&d, p, sizeof(d)); wire_put_u32(w, cmd_float_encode(d)); }
    else { d = cmd_float_decode(wire_get_u32(r)); memcpy(p, &d, sizeof(d)); }
    break;
  case K_TIME:
    if (w) put_time(w, (const struct timespec *)(void *)p);
    else get_time(r, (struct timespec *)(void *)p);
    break;
  case K_IP:
    if (w) put_ip(w, (const struct cmd_ip *)(void *)p);
    else get_ip(r, (struct cmd_ip *)(void *)p);
    break;
  case K_NAME:
    if (w) wire_put_bytes(w, p, CMD_NAME_LEN);
    else wire_get_bytes(r, p, CMD_NAME_LEN);
    break;
  case K_PAD:
    for (unsigned i = 0; i < f->n; i++) {
      if (w) wire_put_u8(w, 0);
      else (void)wire_get_u8(r);
    }
    break;
  case K_ARRAY:
    for (unsigned i = 0; i < f->n; i++)
      walk(f->sub, p + (size_t)i * f->stride, r, w);
    break;
  }
}

/* Encode (w) or decode (r) the fields of l at host. */
static void walk(const struct layout *l, void *host, struct wire_reader *r, struct wire_writer *w)
{
  for (unsigned i = 0; i < l->n; i++)
    field(&l->f[i], (uint8_t *)host + l->f[i].off, r, w);
}

static size_t kind_size(const struct field *f);

static size_t layout_size(const struct layout *l)
{
  size_t n = 0;
  for (unsigned i = 0; i < l->n; i++)
    n += kind_size(&l->f[i]);
  return n;
}

static size_t kind_size(const struct field *f)
{
  switch (f->kind) {
  case K_U8: case K_I8: return 1;
  case K_U16: case K_I16: return 2;
  case K_U32: case K_I32: case K_SAT32: case K_FLOAT: return 4;
  case K_U64: return 8;
  case K_TIME: return 12;
  case K_IP: return 20;
  case K_NAME: return CMD_NAME_LEN;
  case K_PAD: return f->n;
  case K_ARRAY: return f->n * layout_size(f->sub);
  }
  return 0;
}

/* ---- lengths ---- */
size_t cmd_reply_length(uint16_t reply)
{
  const struct reply_type *t = find_reply(reply);
  return t ? CMD_REPLY_HEADER_LEN + layout_size(&t->data) : 0;
}

uint16_t cmd_reply_code(uint16_t command)
{
  const struct command_type *t = find_command(command);
  return t ? t->reply : CMD_RPY_NULL;
}

/* A request padded for this reply (chrony's pktlength.c: the padding
 * makes the request as long as the reply, if that is longer). */
static size_t padded_length(const struct command_type *t, uint16_t reply)
{
  size_t own = CMD_REQUEST_HEADER_LEN + layout_size(&t->data);
  size_t len = cmd_reply_length(reply);
  return own > len ? own : len;
}

size_t cmd_request_length(uint16_t command)
{
  const struct command_type *t = find_command(command);
  return t ? padded_length(t, t->reply) : 0;
}

uint16_t cmd_reply_code_for(uint16_t command, size_t request_len)
{
  const struct command_type *t = find_command(command);
  if (!t)
    return CMD_RPY_NULL;
  uint16_t older = older_reply(command);
  return older && request_len < padded_length(t, t->reply) ? older : t->reply;
}

bool cmd_reply_answers(uint16_t command, uint16_t reply)
{
  const struct command_type *t = find_command(command);
  return t && (reply == t->reply || (reply != 0 && reply == older_reply(command)));
}

/* ---- requests ---- */
enum cmd_parse_result cmd_parse_request(const void *buf, size_t len, struct cmd_request *req)
{
  struct wire_reader r;
  memset(req, 0, sizeof(*req));
  wire_reader_init(&r, buf, len);
  req->version = wire_get_u8(&r);
  uint8_t type = wire_get_u8(&r), res1 = wire_get_u8(&r), res2 = wire_get_u8(&r);
  req->command = wire_get_u16(&r);
  req->attempt = wire_get_u16(&r);
  req->sequence = wire_get_u32(&r);
  (void)wire_get_u32(&r);
  (void)wire_get_u32(&r);
  if (r.err || type != CMD_PKT_REQUEST || res1 != 0 || res2 != 0)
    return CMD_PARSE_DROP;
  if (req->version != CMD_PROTO_VERSION)
    return req->version >= 4 && req->version < CMD_PROTO_VERSION ? CMD_PARSE_BAD_VERSION
                                                                   : CMD_PARSE_DROP;
  const struct command_type *t = find_command(req->command);
  if (!t)
    return CMD_PARSE_UNKNOWN;
  uint16_t older = older_reply(req->command);
  if (len < padded_length(t, older ? older : t->reply))
    return CMD_PARSE_BAD_LENGTH;
  walk(&t->data, req, &r, NULL);
  return r.err ? CMD_PARSE_BAD_LENGTH : CMD_PARSE_OK;
}

size_t cmd_build_request(const struct cmd_request *req, void *buf, size_t cap)
{
  const struct command_type *t = find_command(req->command);
  size_t len = cmd_request_length(req->command);
  if (!t || cap < len)
    return 0;
  struct wire_writer w;
  memset(buf, 0, len);           /* the padding */
  wire_writer_init(&w, buf, cap);
  wire_put_u8(&w, CMD_PROTO_VERSION);
  wire_put_u8(&w, CMD_PKT_REQUEST);
  wire_put_u16(&w, 0);
  wire_put_u16(&w, req->command);
  wire_put_u16(&w, req->attempt);
  wire_put_u32(&w, req->sequence);
  wire_put_u32(&w, 0);
  wire_put_u32(&w, 0);
  walk(&t->data, (void *)req, NULL, &w);
  return w.err ? 0 : len;
}

/* ---- replies ---- */
size_t cmd_build_reply(const struct cmd_reply *rpy, void *buf, size_t cap)
{
  uint16_t code = rpy->status == CMD_STT_SUCCESS ? rpy->reply : CMD_RPY_NULL;
  const struct reply_type *t = find_reply(code);
  if (!t || cap < cmd_reply_length(code))
    return 0;
  struct wire_writer w;
  wire_writer_init(&w, buf, cap);
  wire_put_u8(&w, CMD_PROTO_VERSION);
  wire_put_u8(&w, CMD_PKT_REPLY);
  wire_put_u16(&w, 0);
  wire_put_u16(&w, rpy->command);
  wire_put_u16(&w, code);
  wire_put_u16(&w, rpy->status);
  for (int i = 0; i < 3; i++)
    wire_put_u16(&w, 0);
  wire_put_u32(&w, rpy->sequence);
  wire_put_u32(&w, 0);
  wire_put_u32(&w, 0);
  walk(&t->data, (void *)rpy, NULL, &w);
  return w.err ? 0 : w.pos;
}

bool cmd_parse_reply(const void *buf, size_t len, struct cmd_reply *rpy)
{
  struct wire_reader r;
  memset(rpy, 0, sizeof(*rpy));
  wire_reader_init(&r, buf, len);
  uint8_t version = wire_get_u8(&r), type = wire_get_u8(&r);
  (void)wire_get_u16(&r);
  rpy->command = wire_get_u16(&r);
  rpy->reply = wire_get_u16(&r);
  rpy->status = wire_get_u16(&r);
  for (int i = 0; i < 3; i++)
    (void)wire_get_u16(&r);
  rpy->sequence = wire_get_u32(&r);
  (void)wire_get_u32(&r);
  (void)wire_get_u32(&r);
  if (r.err || version != CMD_PROTO_VERSION || type != CMD_PKT_REPLY)
    return false;
  const struct reply_type *t = find_reply(rpy->reply);
  if (!t)
    return false;
  walk(&t->data, rpy, &r, NULL);
  return !r.err;
}
