/* cmdmon: chrony's command and monitoring protocol, version 6, as chronyc
 * and chronyd 4.3 (Debian 12) to 4.8 speak it on UDP port 323 and a Unix
 * socket.
 *
 * A request is a 20-byte header and command data, padded with zeros to the
 * length of the reply it asks for, so that a reply is never longer than its
 * request (no amplification). A reply is a 28-byte header and reply data.
 * Numbers are big-endian; chrony's "Float" is a 32-bit value with a 7-bit
 * signed exponent and a 25-bit signed coefficient; addresses are 16 bytes,
 * a family and 2 bytes of padding; times are 64-bit seconds and nanoseconds.
 *
 * Newer chronyc asks for newer formats of two replies with longer requests:
 * serverstats (SERVER_STATS4, 64-bit counters, from 4.4) and ntpdata
 * (NTP_DATA2, timestamping counts, from 4.6). A request as long as 4.3's
 * is still valid; cmd_reply_code_for() tells which format its length asks
 * for.
 *
 * This module turns bytes into the host structures below and back, driven
 * by one table of layouts, so both directions agree by construction. It
 * knows nothing of what a command does. */
#ifndef STRATUM_PROTO_CMDMON_H
#define STRATUM_PROTO_CMDMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CMD_PROTO_VERSION 6
#define CMD_PKT_REQUEST 1
#define CMD_PKT_REPLY 2
#define CMD_REQUEST_HEADER_LEN 20
#define CMD_REPLY_HEADER_LEN 28
#define CMD_DEFAULT_PORT 323
#define CMD_MAX_PACKET 1024        /* larger than any request or reply */
#define CMD_NAME_LEN 256
#define CMD_MAX_CLIENTS 8          /* clients per CLIENT_ACCESSES_BY_INDEX3 reply */
#define CMD_MAX_MANUAL_SAMPLES 16

enum cmd_command {
  CMD_ONLINE = 1, CMD_OFFLINE = 2, CMD_BURST = 3, CMD_MODIFY_MINPOLL = 4,
  CMD_MODIFY_MAXPOLL = 5, CMD_DUMP = 6, CMD_MODIFY_MAXDELAY = 7,
  CMD_MODIFY_MAXDELAYRATIO = 8, CMD_MODIFY_MAXUPDATESKEW = 9, CMD_SETTIME = 11,
  CMD_MANUAL = 13, CMD_N_SOURCES = 14, CMD_SOURCE_DATA = 15, CMD_REKEY = 16,
  CMD_ALLOW = 17, CMD_ALLOWALL = 18, CMD_DENY = 19, CMD_DENYALL = 20,
  CMD_CMDALLOW = 21, CMD_CMDALLOWALL = 22, CMD_CMDDENY = 23, CMD_CMDDENYALL = 24,
  CMD_ACCHECK = 25, CMD_CMDACCHECK = 26, CMD_DEL_SOURCE = 29, CMD_WRITERTC = 30,
  CMD_DFREQ = 31, CMD_TRACKING = 33, CMD_SOURCESTATS = 34, CMD_RTCREPORT = 35,
  CMD_TRIMRTC = 36, CMD_CYCLELOGS = 37, CMD_MANUAL_LIST = 41, CMD_MANUAL_DELETE = 42,
  CMD_MAKESTEP = 43, CMD_ACTIVITY = 44, CMD_MODIFY_MINSTRATUM = 45,
  CMD_MODIFY_POLLTARGET = 46, CMD_MODIFY_MAXDELAYDEVRATIO = 47, CMD_RESELECT = 48,
  CMD_RESELECTDISTANCE = 49, CMD_MODIFY_MAKESTEP = 50, CMD_SMOOTHING = 51,
  CMD_SMOOTHTIME = 52, CMD_REFRESH = 53, CMD_SERVER_STATS = 54, CMD_LOCAL2 = 56,
  CMD_NTP_DATA = 57, CMD_SHUTDOWN = 62, CMD_ONOFFLINE = 63, CMD_ADD_SOURCE = 64,
  CMD_NTP_SOURCE_NAME = 65, CMD_RESET_SOURCES = 66, CMD_AUTH_DATA = 67,
  CMD_CLIENT_ACCESSES_BY_INDEX3 = 68, CMD_SELECT_DATA = 69, CMD_RELOAD_SOURCES = 70,
  CMD_DOFFSET2 = 71, CMD_LOCAL3 = 74,
  CMD_N_COMMANDS = 75,           /* chrony's count, obsolete and newer ones included */
  CMD_MODIFY_SELECTOPTS = 72,    /* chronyc 4.4's selectopts */
  CMD_MODIFY_OFFSET = 73,        /* chronyc 4.6's offset */
  /* Stratum's own requests, far beyond chrony's codes (which grow by one a
   * release): only stratumc sends them, chronyd answers 502 Invalid
   * command. A reload of the configuration (option: 1 = only tell what
   * it would change), then its report, line by line (index). */
  CMD_ST_RELOAD_CONFIG = 0x5301, CMD_ST_RELOAD_REPORT = 0x5302
};

enum cmd_reply_code {
  CMD_RPY_NULL = 1, CMD_RPY_N_SOURCES = 2, CMD_RPY_SOURCE_DATA = 3, CMD_RPY_TRACKING = 5,
  CMD_RPY_SOURCESTATS = 6, CMD_RPY_RTC = 7, CMD_RPY_ACTIVITY = 12, CMD_RPY_SMOOTHING = 13,
  CMD_RPY_NTP_DATA = 16, CMD_RPY_MANUAL_TIMESTAMP2 = 17, CMD_RPY_MANUAL_LIST2 = 18,
  CMD_RPY_NTP_SOURCE_NAME = 19, CMD_RPY_AUTH_DATA = 20, CMD_RPY_CLIENT_ACCESSES_BY_INDEX3 = 21,
  CMD_RPY_SELECT_DATA = 23, CMD_RPY_SERVER_STATS3 = 24,
  CMD_RPY_SERVER_STATS4 = 25,    /* chronyc 4.4's serverstats */
  CMD_RPY_NTP_DATA2 = 26,        /* chronyc 4.6's ntpdata */
  CMD_RPY_ST_TEXT = 0x5301       /* Stratum's own: a line of the reload report */
};

enum cmd_status {
  CMD_STT_SUCCESS = 0, CMD_STT_FAILED = 1, CMD_STT_UNAUTH = 2, CMD_STT_INVALID = 3,
  CMD_STT_NOSUCHSOURCE = 4, CMD_STT_INVALIDTS = 5, CMD_STT_NOTENABLED = 6,
  CMD_STT_BADSUBNET = 7, CMD_STT_ACCESSALLOWED = 8, CMD_STT_ACCESSDENIED = 9,
  CMD_STT_SOURCEALREADYKNOWN = 11, CMD_STT_TOOMANYSOURCES = 12, CMD_STT_NORTC = 13,
  CMD_STT_BADRTCFILE = 14, CMD_STT_INACTIVE = 15, CMD_STT_BADSAMPLE = 16,
  CMD_STT_INVALIDAF = 17, CMD_STT_BADPKTVERSION = 18, CMD_STT_BADPKTLENGTH = 19,
  CMD_STT_INVALIDNAME = 21
};

/* An address as the protocol carries it. */
enum cmd_ip_family { CMD_IP_UNSPEC = 0, CMD_IP_INET4 = 1, CMD_IP_INET6 = 2, CMD_IP_ID = 3 };
struct cmd_ip {
  uint16_t family;               /* enum cmd_ip_family */
  uint8_t bytes[16];             /* INET4 and ID: the first 4 (network order) */
};

/* Source modes and states in source data (chronyc sources: ^ = #, * ? x ~ - +). */
enum { CMD_SD_MODE_CLIENT = 0, CMD_SD_MODE_PEER = 1, CMD_SD_MODE_REF = 2 };
enum { CMD_SD_SELECTED = 0, CMD_SD_NONSELECTABLE = 1, CMD_SD_FALSETICKER = 2,
       CMD_SD_JITTERY = 3, CMD_SD_UNSELECTED = 4, CMD_SD_SELECTABLE = 5 };

/* Source types and flags of CMD_ADD_SOURCE. */
enum { CMD_ADDSRC_SERVER = 1, CMD_ADDSRC_PEER = 2, CMD_ADDSRC_POOL = 3 };
#define CMD_ADDSRC_ONLINE 0x1
#define CMD_ADDSRC_AUTOOFFLINE 0x2
#define CMD_ADDSRC_IBURST 0x4
#define CMD_ADDSRC_PREFER 0x8
#define CMD_ADDSRC_NOSELECT 0x10
#define CMD_ADDSRC_TRUST 0x20
#define CMD_ADDSRC_REQUIRE 0x40
#define CMD_ADDSRC_INTERLEAVED 0x80
#define CMD_ADDSRC_BURST 0x100
#define CMD_ADDSRC_NTS 0x200
#define CMD_ADDSRC_COPY 0x400
#define CMD_ADDSRC_EF_EXP1 0x800           /* extfield F323 (4.5: EF_EXP_MONO_ROOT) */
#define CMD_ADDSRC_EF_EXP_NET_CORRECTION 0x1000   /* extfield F324 (chronyc 4.5) */
#define CMD_ADDSRC_IPV4 0x2000             /* chronyc 4.6 */
#define CMD_ADDSRC_IPV6 0x4000             /* chronyc 4.6 */

/* Select data options (configured and effective); also the mask of
 * CMD_MODIFY_SELECTOPTS, whose options are CMD_ADDSRC_* flags. */
#define CMD_SD_OPT_NOSELECT 0x1
#define CMD_SD_OPT_PREFER 0x2
#define CMD_SD_OPT_TRUST 0x4
#define CMD_SD_OPT_REQUIRE 0x8

/* NTP data flags: bits 0-9 the tests (1: passed). */
#define CMD_NTP_FLAGS_TESTS 0x3ff
#define CMD_NTP_FLAG_INTERLEAVED 0x4000
#define CMD_NTP_FLAG_AUTHENTICATED 0x8000

/* Smoothing flags. */
#define CMD_SMT_ACTIVE 0x1
#define CMD_SMT_LEAPONLY 0x2

/* ---- request data ---- */
struct cmd_req_subnet {          /* online, offline, burst (mask + address) */
  struct cmd_ip mask, address;
  int32_t n_good, n_total;       /* burst only */
};
struct cmd_req_modify {          /* modify_* on one source: an integer or a Float */
  struct cmd_ip address;
  int32_t ivalue;
  double fvalue;
};
struct cmd_req_allow {           /* allow/deny/cmdallow/cmddeny[all], accheck, cmdaccheck */
  struct cmd_ip ip;
  int32_t subnet_bits;
};
struct cmd_req_source {          /* add source */
  uint32_t type;                 /* CMD_ADDSRC_SERVER/PEER/POOL */
  char name[CMD_NAME_LEN];       /* not necessarily terminated on the wire */
  uint32_t port;
  int32_t minpoll, maxpoll, presend_minpoll;
  uint32_t min_stratum, poll_target, version, max_sources;
  int32_t min_samples, max_samples;
  uint32_t authkey, nts_port;
  double max_delay, max_delay_ratio, max_delay_dev_ratio, min_delay, asymmetry, offset;
  uint32_t flags;
  int32_t filter_length;
  uint32_t cert_set;
  double max_delay_quant;        /* 0 from chronyc 4.3 (reserved there) */
  int32_t max_unreach;           /* 0 from chronyc 4.3 (reserved there) */
};
struct cmd_req_clients {
  uint32_t first_index, n_clients, min_hits, reset;
};
struct cmd_req_local {
  int32_t on_off, stratum;
  double distance;
  int32_t orphan;
  double activate, wait_synced, wait_unsynced;   /* LOCAL3 (chronyc 4.8); 0 in LOCAL2 */
};
struct cmd_req_makestep {
  int32_t limit;
  double threshold;
};
/* selectopts and offset: a source by address, or a reference clock by
 * refid (address CMD_IP_UNSPEC). */
struct cmd_req_select_opts {
  struct cmd_ip address;
  uint32_t ref_id;
  uint32_t mask;                 /* CMD_SD_OPT_* bits to change */
  uint32_t options;              /* their new values, as CMD_ADDSRC_* flags */
};
struct cmd_req_offset {
  struct cmd_ip address;
  uint32_t ref_id;
  double offset;                 /* the source's new offset option, s */
};

struct cmd_request {
  uint8_t version;
  uint16_t command;              /* enum cmd_command */
  uint16_t attempt;
  uint32_t sequence;
  union {
    struct cmd_req_subnet subnet;
    struct cmd_req_modify modify;
    struct cmd_req_allow allow;
    struct cmd_req_source source;
    struct cmd_req_clients clients;
    struct cmd_req_local local;
    struct cmd_req_makestep makestep;
    struct cmd_req_select_opts select_opts;
    struct cmd_req_offset offset;
    struct cmd_ip ip;            /* del_source, ntp_data, source_name, auth_data */
    uint32_t index;              /* source_data, sourcestats, select_data, st_reload_report */
    int32_t option;              /* manual, smoothtime, manual_delete, dump, st_reload_config */
    double value;                /* dfreq, doffset, maxupdateskew, reselectdistance */
    struct timespec time;        /* settime */
  } data;
};

/* ---- reply data ---- */
struct cmd_rpy_source_data {
  struct cmd_ip ip;
  int16_t poll;
  uint16_t stratum, state, mode, flags, reachability;
  uint32_t since_sample;
  double orig_latest_meas, latest_meas, latest_meas_err;
};
struct cmd_rpy_tracking {
  uint32_t ref_id;
  struct cmd_ip ip;
  uint16_t stratum, leap_status;
  struct timespec ref_time;
  double current_correction, last_offset, rms_offset, freq_ppm, resid_freq_ppm, skew_ppm,
      root_delay, root_dispersion, last_update_interval;
};
struct cmd_rpy_sourcestats {
  uint32_t ref_id;
  struct cmd_ip ip;
  uint32_t n_samples, n_runs, span_seconds;
  double sd, resid_freq_ppm, skew_ppm, est_offset, est_offset_err;
};
struct cmd_rpy_rtc {
  struct timespec ref_time;
  uint16_t n_samples, n_runs;
  uint32_t span_seconds;
  double rtc_seconds_fast, rtc_gain_rate_ppm;
};
struct cmd_rpy_activity {
  int32_t online, offline, burst_online, burst_offline, unresolved;
};
struct cmd_rpy_smoothing {
  uint32_t flags;
  double offset, freq_ppm, wander_ppm, last_update_ago, remaining_time;
};
/* SERVER_STATS3 carries the first 11 counters in 32 bits (saturated);
 * SERVER_STATS4 all of them in 64 bits. */
struct cmd_rpy_server_stats {
  uint64_t ntp_hits, nke_hits, cmd_hits, ntp_drops, nke_drops, cmd_drops, log_drops,
      ntp_auth_hits, ntp_interleaved_hits, ntp_timestamps, ntp_span_seconds;
  /* Replies by where their receive and transmit timestamps came from */
  uint64_t ntp_daemon_rx_timestamps, ntp_daemon_tx_timestamps, ntp_kernel_rx_timestamps,
      ntp_kernel_tx_timestamps, ntp_hw_rx_timestamps, ntp_hw_tx_timestamps;
};
struct cmd_rpy_ntp_data {
  struct cmd_ip remote_addr, local_addr;
  uint16_t remote_port;
  uint8_t leap, version, mode, stratum;
  int8_t poll, precision;
  double root_delay, root_dispersion;
  uint32_t ref_id;
  struct timespec ref_time;
  double offset, peer_delay, peer_dispersion, response_time, jitter_asymmetry;
  uint16_t flags;
  uint8_t tx_tss_char, rx_tss_char;   /* 'D' daemon, 'K' kernel, 'H' hardware */
  uint32_t total_tx_count, total_rx_count, total_valid_count, total_good_count;
  /* NTP_DATA2 only: the timestamps of requests and replies by source */
  uint32_t total_kernel_tx_ts, total_kernel_rx_ts, total_hw_tx_ts, total_hw_rx_ts;
};
struct cmd_rpy_manual_timestamp {
  double offset, dfreq_ppm, new_afreq_ppm;
};
struct cmd_rpy_manual_sample {
  struct timespec when;
  double slewed_offset, orig_offset, residual;
};
struct cmd_rpy_manual_list {
  uint32_t n_samples;
  struct cmd_rpy_manual_sample samples[CMD_MAX_MANUAL_SAMPLES];
};
struct cmd_rpy_auth_data {
  uint16_t mode, key_type;
  uint32_t key_id;
  uint16_t key_length, ke_attempts;
  uint32_t last_ke_ago;
  uint16_t cookies, cookie_length, nak;
};
struct cmd_rpy_client {
  struct cmd_ip ip;
  uint32_t ntp_hits, nke_hits, cmd_hits, ntp_drops, nke_drops, cmd_drops;
  int8_t ntp_interval, nke_interval, cmd_interval, ntp_timeout_interval;
  uint32_t last_ntp_hit_ago, last_nke_hit_ago, last_cmd_hit_ago;
};
struct cmd_rpy_clients {
  uint32_t n_indices, next_index, n_clients;
  struct cmd_rpy_client clients[CMD_MAX_CLIENTS];
};
struct cmd_rpy_select_data {
  uint32_t ref_id;
  struct cmd_ip ip;
  uint8_t state_char, authentication, leap;
  uint16_t conf_options, eff_options;
  uint32_t last_sample_ago;
  double score, lo_limit, hi_limit;
};

struct cmd_rpy_text {
  uint32_t total;                /* lines in the report (line `index` is text) */
  char text[CMD_NAME_LEN];       /* not necessarily terminated on the wire */
};

struct cmd_reply {
  uint16_t command;              /* echoed */
  uint16_t reply;                /* enum cmd_reply_code */
  uint16_t status;               /* enum cmd_status */
  uint32_t sequence;             /* echoed */
  union {
    uint32_t n_sources;
    struct cmd_rpy_source_data source_data;
    struct cmd_rpy_tracking tracking;
    struct cmd_rpy_sourcestats sourcestats;
    struct cmd_rpy_rtc rtc;
    struct cmd_rpy_activity activity;
    struct cmd_rpy_smoothing smoothing;
    struct cmd_rpy_server_stats server_stats;
    struct cmd_rpy_ntp_data ntp_data;
    struct cmd_rpy_manual_timestamp manual_timestamp;
    struct cmd_rpy_manual_list manual_list;
    char name[CMD_NAME_LEN];     /* not necessarily terminated on the wire */
    struct cmd_rpy_auth_data auth_data;
    struct cmd_rpy_clients clients;
    struct cmd_rpy_select_data select_data;
    struct cmd_rpy_text text;
  } data;
};

/* chrony's Float: nearest representable value (saturating; tiny values
 * flush to zero). */
uint32_t cmd_float_encode(double x);
double cmd_float_decode(uint32_t f);

/* What a received request is. */
enum cmd_parse_result {
  CMD_PARSE_OK,
  CMD_PARSE_DROP,                /* not a request of this protocol: no reply */
  CMD_PARSE_BAD_VERSION,         /* version 4 or 5: reply CMD_STT_BADPKTVERSION */
  CMD_PARSE_UNKNOWN,             /* unknown or unsupported command: CMD_STT_INVALID */
  CMD_PARSE_BAD_LENGTH           /* shorter than the command and its padding */
};
/* Decode a request (the header is always filled in when the result is not
 * CMD_PARSE_DROP). */
enum cmd_parse_result cmd_parse_request(const void *buf, size_t len, struct cmd_request *req);

/* Encode a request, padded as the protocol requires. Returns its length, or
 * 0 if the command is unknown or cap is too small. */
size_t cmd_build_request(const struct cmd_request *req, void *buf, size_t cap);

/* The length of a request for this command, padding included (as
 * chronyc 4.8 pads it: for the newest reply); 0 if unknown. */
size_t cmd_request_length(uint16_t command);
/* The reply code a successful request for this command gets (the newest
 * format). */
uint16_t cmd_reply_code(uint16_t command);
/* The one a request of this length gets: an older format when the request
 * is too short for the newest (chronyc 4.3's serverstats and 4.3 to 4.5's
 * ntpdata). */
uint16_t cmd_reply_code_for(uint16_t command, size_t request_len);
/* Whether a reply with this code answers the command (in any format). */
bool cmd_reply_answers(uint16_t command, uint16_t reply);
/* The length of a reply with this code; 0 if unknown. */
size_t cmd_reply_length(uint16_t reply);

/* Encode a reply (its data as the reply code says; a status other than
 * success sends CMD_RPY_NULL). Returns its length, or 0 if the code is
 * unknown or cap is too small. */
size_t cmd_build_reply(const struct cmd_reply *rpy, void *buf, size_t cap);
/* Decode a reply; false unless it is a version-6 reply long enough for its
 * code (extra bytes are ignored). */
bool cmd_parse_reply(const void *buf, size_t len, struct cmd_reply *rpy);

#endif
