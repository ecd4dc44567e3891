/* Unit tests for src/proto/metrics.c: the exact text of canned reports,
 * and the requests metrics_fetch makes (what it leaves out, when it
 * stops). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "proto/metrics.h"

static struct cmd_ip ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
  struct cmd_ip ip = {.family = CMD_IP_INET4, .bytes = {a, b, c, d}};
  return ip;
}

static struct cmd_ip ip6_doc1(void)
{
  struct cmd_ip ip = {.family = CMD_IP_INET6,
                      .bytes = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
  return ip;
}

/* A synchronised client with a server, a peer, an unresolved name and a
 * reference clock; a server with counts. */
static struct metrics_source canned_sources[4];

static void canned(struct metrics_reports *r)
{
  memset(r, 0, sizeof(*r));
  memset(canned_sources, 0, sizeof(canned_sources));
  r->up = true;
  r->have_tracking = true;
  r->tracking = (struct cmd_rpy_tracking){
    .ref_id = 0xc0000201, .ip = ip4(192, 0, 2, 1), .stratum = 3, .leap_status = 0,
    .ref_time = {1700000000, 500000000}, .current_correction = 1.5e-6, .last_offset = -2.5e-6,
    .rms_offset = 3e-6, .freq_ppm = -12.25, .resid_freq_ppm = 0.001, .skew_ppm = 0.05,
    .root_delay = 0.0125, .root_dispersion = 0.0005, .last_update_interval = 64.5};

  struct metrics_source *s = canned_sources;
  s[0].have_data = s[0].have_name = s[0].have_ntp_data = s[0].have_stats = true;
  s[0].data = (struct cmd_rpy_source_data){
    .ip = ip4(192, 0, 2, 1), .poll = 6, .stratum = 2, .state = CMD_SD_SELECTED,
    .mode = CMD_SD_MODE_CLIENT, .reachability = 0377, .since_sample = 12,
    .latest_meas = -2.5e-6, .latest_meas_err = 1e-5};
  strcpy(s[0].name, "ntp1.example.net");
  s[0].ntp_data = (struct cmd_rpy_ntp_data){.offset = -2.4e-6, .peer_delay = 0.0004,
                                            .peer_dispersion = 1e-5, .response_time = 2e-5,
                                            .jitter_asymmetry = 0.25};
  s[0].stats = (struct cmd_rpy_sourcestats){
    .ref_id = 0xc0000201, .ip = ip4(192, 0, 2, 1), .n_samples = 8, .n_runs = 5,
    .span_seconds = 450, .sd = 1.5e-5, .resid_freq_ppm = -0.002, .skew_ppm = 0.125,
    .est_offset = 1e-6, .est_offset_err = 2e-6};

  /* a peer with no sample yet, a name to escape, no ntpdata (refused) */
  s[1].have_data = s[1].have_name = s[1].have_stats = true;
  s[1].data = (struct cmd_rpy_source_data){
    .ip = ip6_doc1(), .poll = -2, .stratum = 16, .state = CMD_SD_UNSELECTED,
    .mode = CMD_SD_MODE_PEER, .reachability = 05, .since_sample = 0xffffffff};
  strcpy(s[1].name, "we\"ird\\na\nme\x01\xc3");
  s[1].stats = (struct cmd_rpy_sourcestats){.ip = ip6_doc1()};

  /* a name not yet resolved: only in sourcestats */
  s[2].have_data = s[2].have_stats = true;
  s[2].data = (struct cmd_rpy_source_data){.ip = {.family = CMD_IP_ID, .bytes = {0, 0, 0, 3}},
                                           .state = CMD_SD_NONSELECTABLE};
  s[2].stats = (struct cmd_rpy_sourcestats){.ip = s[2].data.ip, .n_samples = 0};

  /* a reference clock (as chronyd reports one): no sourcestats address */
  s[3].have_data = s[3].have_stats = true;
  s[3].data = (struct cmd_rpy_source_data){
    .ip = ip4('P', 'P', 'S', 0), .poll = 4, .stratum = 0, .state = CMD_SD_SELECTABLE,
    .mode = CMD_SD_MODE_REF, .reachability = 0377, .since_sample = 3, .latest_meas = 1e-7,
    .latest_meas_err = 2e-7};
  s[3].stats = (struct cmd_rpy_sourcestats){.ref_id = 0x50505300, .n_samples = 16};

  r->n_sources = 4;
  r->sources = s;
  r->have_server_stats = true;
  r->server_stats = (struct cmd_rpy_server_stats){
    .ntp_hits = 1000, .cmd_hits = 20, .ntp_drops = 5, .cmd_drops = 1, .log_drops = 2,
    .ntp_auth_hits = 3, .ntp_interleaved_hits = 4, .ntp_timestamps = 6, .ntp_span_seconds = 7};
  r->have_clients = true;
  r->client_log_records = 4096;
  r->n_drops = 2;
  r->drops[0] = (struct metrics_drop){"access", 11};
  r->drops[1] = (struct metrics_drop){"ratelimit", 5};
}

static const char canned_text[] =
  "# HELP chrony_tracking_info Chrony tracking info\n"
  "# TYPE chrony_tracking_info gauge\n"
  "chrony_tracking_info{tracking_address=\"192.0.2.1\",tracking_name=\"ntp1.example.net\",tracking_refid=\"C0000201\"} 1\n"
  "# HELP chrony_tracking_last_offset_seconds Chrony tracking last offset in seconds\n"
  "# TYPE chrony_tracking_last_offset_seconds gauge\n"
  "chrony_tracking_last_offset_seconds -2.5e-06\n"
  "# HELP chrony_tracking_reference_timestamp_seconds Chrony tracking Reference timestamp\n"
  "# TYPE chrony_tracking_reference_timestamp_seconds gauge\n"
  "chrony_tracking_reference_timestamp_seconds 1700000000.5\n"
  "# HELP chrony_tracking_system_time_seconds Chrony tracking System time\n"
  "# TYPE chrony_tracking_system_time_seconds gauge\n"
  "chrony_tracking_system_time_seconds 1.5e-06\n"
  "# HELP chrony_tracking_remote_reference Chrony tracking is connected to a remote source\n"
  "# TYPE chrony_tracking_remote_reference gauge\n"
  "chrony_tracking_remote_reference 1\n"
  "# HELP chrony_tracking_rms_offset_seconds Chrony tracking long-term average of the offset\n"
  "# TYPE chrony_tracking_rms_offset_seconds gauge\n"
  "chrony_tracking_rms_offset_seconds 3e-06\n"
  "# HELP chrony_tracking_root_delay_seconds This is the total of the network path delays to the stratum-1 computer from which the computer is ultimately synchronised\n"
  "# TYPE chrony_tracking_root_delay_seconds gauge\n"
  "chrony_tracking_root_delay_seconds 0.0125\n"
  "# HELP chrony_tracking_root_dispersion_seconds Chrony tracking total of all measurement errors to the NTP root\n"
  "# TYPE chrony_tracking_root_dispersion_seconds gauge\n"
  "chrony_tracking_root_dispersion_seconds 0.0005\n"
  "# HELP chrony_tracking_frequency_ppms Rate by which the system's clock would be wrong if chronyd was not correcting it, in PPMs\n"
  "# TYPE chrony_tracking_frequency_ppms gauge\n"
  "chrony_tracking_frequency_ppms -12.25\n"
  "# HELP chrony_tracking_residual_frequency_ppms For the currently selected reference source, the difference between the frequency it suggests and the one currently in use, in PPMs\n"
  "# TYPE chrony_tracking_residual_frequency_ppms gauge\n"
  "chrony_tracking_residual_frequency_ppms 0.001\n"
  "# HELP chrony_tracking_skew_ppms The estimated error bound on the frequency, in PPMs\n"
  "# TYPE chrony_tracking_skew_ppms gauge\n"
  "chrony_tracking_skew_ppms 0.05\n"
  "# HELP chrony_tracking_update_interval_seconds The time elapsed since the last measurement from the reference source was processed, in seconds\n"
  "# TYPE chrony_tracking_update_interval_seconds gauge\n"
  "chrony_tracking_update_interval_seconds 64.5\n"
  "# HELP chrony_tracking_stratum Chrony tracking client stratum\n"
  "# TYPE chrony_tracking_stratum gauge\n"
  "chrony_tracking_stratum 3\n"
  "# HELP chrony_tracking_leap_status Leap status of the reference: 0 normal, 1 insert second, 2 delete second, 3 not synchronised\n"
  "# TYPE chrony_tracking_leap_status gauge\n"
  "chrony_tracking_leap_status 0\n"
  "# HELP chrony_sources_last_sample_age_seconds Chrony sources last good sample age in seconds\n"
  "# TYPE chrony_sources_last_sample_age_seconds gauge\n"
  "chrony_sources_last_sample_age_seconds{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} 12\n"
  "chrony_sources_last_sample_age_seconds{source_address=\"2001:db8::1\",source_name=\"we\\\"ird\\\\na\\nme??\"} +Inf\n"
  "chrony_sources_last_sample_age_seconds{source_address=\"PPS\",source_name=\"PPS\"} 3\n"
  "# HELP chrony_sources_reachability_ratio Chrony sources ratio of packet reachability\n"
  "# TYPE chrony_sources_reachability_ratio gauge\n"
  "chrony_sources_reachability_ratio{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} 1\n"
  "chrony_sources_reachability_ratio{source_address=\"2001:db8::1\",source_name=\"we\\\"ird\\\\na\\nme??\"} 0.25\n"
  "chrony_sources_reachability_ratio{source_address=\"PPS\",source_name=\"PPS\"} 1\n"
  "# HELP chrony_sources_reachability_success Chrony sources last poll reachability success\n"
  "# TYPE chrony_sources_reachability_success gauge\n"
  "chrony_sources_reachability_success{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} 1\n"
  "chrony_sources_reachability_success{source_address=\"2001:db8::1\",source_name=\"we\\\"ird\\\\na\\nme??\"} 1\n"
  "chrony_sources_reachability_success{source_address=\"PPS\",source_name=\"PPS\"} 1\n"
  "# HELP chrony_sources_last_sample_offset_seconds Chrony sources last sample offset in seconds\n"
  "# TYPE chrony_sources_last_sample_offset_seconds gauge\n"
  "chrony_sources_last_sample_offset_seconds{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} -2.5e-06\n"
  "chrony_sources_last_sample_offset_seconds{source_address=\"2001:db8::1\",source_name=\"we\\\"ird\\\\na\\nme??\"} 0\n"
  "chrony_sources_last_sample_offset_seconds{source_address=\"PPS\",source_name=\"PPS\"} 1e-07\n"
  "# HELP chrony_sources_last_sample_error_margin_seconds Chrony sources last sample margin of error in seconds\n"
  "# TYPE chrony_sources_last_sample_error_margin_seconds gauge\n"
  "chrony_sources_last_sample_error_margin_seconds{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} 1e-05\n"
  "chrony_sources_last_sample_error_margin_seconds{source_address=\"2001:db8::1\",source_name=\"we\\\"ird\\\\na\\nme??\"} 0\n"
  "chrony_sources_last_sample_error_margin_seconds{source_address=\"PPS\",source_name=\"PPS\"} 2e-07\n"
  "# HELP chrony_sources_polling_interval_seconds Chrony sources polling interval in seconds\n"
  "# TYPE chrony_sources_polling_interval_seconds gauge\n"
  "chrony_sources_polling_interval_seconds{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} 64\n"
  "chrony_sources_polling_interval_seconds{source_address=\"2001:db8::1\",source_name=\"we\\\"ird\\\\na\\nme??\"} 0.25\n"
  "chrony_sources_polling_interval_seconds{source_address=\"PPS\",source_name=\"PPS\"} 16\n"
  "# HELP chrony_sources_state_info Chrony sources state info\n"
  "# TYPE chrony_sources_state_info gauge\n"
  "chrony_sources_state_info{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\",source_state=\"sync\",source_mode=\"client\"} 1\n"
  "chrony_sources_state_info{source_address=\"2001:db8::1\",source_name=\"we\\\"ird\\\\na\\nme??\",source_state=\"candidate\",source_mode=\"peer\"} 1\n"
  "chrony_sources_state_info{source_address=\"PPS\",source_name=\"PPS\",source_state=\"outlier\",source_mode=\"reference clock\"} 1\n"
  "# HELP chrony_sources_stratum Chrony sources stratum\n"
  "# TYPE chrony_sources_stratum gauge\n"
  "chrony_sources_stratum{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} 2\n"
  "chrony_sources_stratum{source_address=\"2001:db8::1\",source_name=\"we\\\"ird\\\\na\\nme??\"} 16\n"
  "chrony_sources_stratum{source_address=\"PPS\",source_name=\"PPS\"} 0\n"
  "# HELP chrony_sources_peer_offset_seconds Chrony sources peer offset\n"
  "# TYPE chrony_sources_peer_offset_seconds gauge\n"
  "chrony_sources_peer_offset_seconds{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} -2.4e-06\n"
  "# HELP chrony_sources_peer_delay_seconds Chrony sources peer delay\n"
  "# TYPE chrony_sources_peer_delay_seconds gauge\n"
  "chrony_sources_peer_delay_seconds{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} 0.0004\n"
  "# HELP chrony_sources_peer_dispersion_seconds Chrony sources peer dispersion\n"
  "# TYPE chrony_sources_peer_dispersion_seconds gauge\n"
  "chrony_sources_peer_dispersion_seconds{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} 1e-05\n"
  "# HELP chrony_sources_peer_response_time_seconds Chrony sources peer response time\n"
  "# TYPE chrony_sources_peer_response_time_seconds gauge\n"
  "chrony_sources_peer_response_time_seconds{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} 2e-05\n"
  "# HELP chrony_sources_peer_jitter_asymmetry_seconds Chrony sources peer jitter asymmetry\n"
  "# TYPE chrony_sources_peer_jitter_asymmetry_seconds gauge\n"
  "chrony_sources_peer_jitter_asymmetry_seconds{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} 0.25\n"
  "# HELP chrony_sourcestats_samples The number of sample points currently being retained for the server. (NP)\n"
  "# TYPE chrony_sourcestats_samples gauge\n"
  "chrony_sourcestats_samples{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} 8\n"
  "chrony_sourcestats_samples{source_address=\"2001:db8::1\",source_name=\"we\\\"ird\\\\na\\nme??\"} 0\n"
  "chrony_sourcestats_samples{source_address=\"ID#0000000003\",source_name=\"ID#0000000003\"} 0\n"
  "# HELP chrony_sourcestats_runs The number of runs of residuals having the same sign following the last regression. (NR)\n"
  "# TYPE chrony_sourcestats_runs gauge\n"
  "chrony_sourcestats_runs{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} 5\n"
  "chrony_sourcestats_runs{source_address=\"2001:db8::1\",source_name=\"we\\\"ird\\\\na\\nme??\"} 0\n"
  "chrony_sourcestats_runs{source_address=\"ID#0000000003\",source_name=\"ID#0000000003\"} 0\n"
  "# HELP chrony_sourcestats_span_seconds The interval between the oldest and newest samples in seconds\n"
  "# TYPE chrony_sourcestats_span_seconds gauge\n"
  "chrony_sourcestats_span_seconds{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} 450\n"
  "chrony_sourcestats_span_seconds{source_address=\"2001:db8::1\",source_name=\"we\\\"ird\\\\na\\nme??\"} 0\n"
  "chrony_sourcestats_span_seconds{source_address=\"ID#0000000003\",source_name=\"ID#0000000003\"} 0\n"
  "# HELP chrony_sourcestats_stddev The estimated sample standard deviation.\n"
  "# TYPE chrony_sourcestats_stddev gauge\n"
  "chrony_sourcestats_stddev{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} 1.5e-05\n"
  "chrony_sourcestats_stddev{source_address=\"2001:db8::1\",source_name=\"we\\\"ird\\\\na\\nme??\"} 0\n"
  "chrony_sourcestats_stddev{source_address=\"ID#0000000003\",source_name=\"ID#0000000003\"} 0\n"
  "# HELP chrony_sourcestats_frequency_ppms The estimated residual frequency for the server, in parts per million.\n"
  "# TYPE chrony_sourcestats_frequency_ppms gauge\n"
  "chrony_sourcestats_frequency_ppms{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} -0.002\n"
  "chrony_sourcestats_frequency_ppms{source_address=\"2001:db8::1\",source_name=\"we\\\"ird\\\\na\\nme??\"} 0\n"
  "chrony_sourcestats_frequency_ppms{source_address=\"ID#0000000003\",source_name=\"ID#0000000003\"} 0\n"
  "# HELP chrony_sourcestats_frequency_skew_ppms The estimated error bounds on Freq (again in parts per million).\n"
  "# TYPE chrony_sourcestats_frequency_skew_ppms gauge\n"
  "chrony_sourcestats_frequency_skew_ppms{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} 0.125\n"
  "chrony_sourcestats_frequency_skew_ppms{source_address=\"2001:db8::1\",source_name=\"we\\\"ird\\\\na\\nme??\"} 0\n"
  "chrony_sourcestats_frequency_skew_ppms{source_address=\"ID#0000000003\",source_name=\"ID#0000000003\"} 0\n"
  "# HELP chrony_sourcestats_offset The estimated offset of the source.\n"
  "# TYPE chrony_sourcestats_offset gauge\n"
  "chrony_sourcestats_offset{source_address=\"192.0.2.1\",source_name=\"ntp1.example.net\"} 1e-06\n"
  "chrony_sourcestats_offset{source_address=\"2001:db8::1\",source_name=\"we\\\"ird\\\\na\\nme??\"} 0\n"
  "chrony_sourcestats_offset{source_address=\"ID#0000000003\",source_name=\"ID#0000000003\"} 0\n"
  "# HELP chrony_serverstats_ntp_packets_received_total The number of valid NTP requests received by the server.\n"
  "# TYPE chrony_serverstats_ntp_packets_received_total counter\n"
  "chrony_serverstats_ntp_packets_received_total 1000\n"
  "# HELP chrony_serverstats_command_packets_received_total The number of command requests received by the server.\n"
  "# TYPE chrony_serverstats_command_packets_received_total counter\n"
  "chrony_serverstats_command_packets_received_total 20\n"
  "# HELP chrony_serverstats_ntp_packets_dropped_total The number of NTP requests dropped by the server due to rate limiting.\n"
  "# TYPE chrony_serverstats_ntp_packets_dropped_total counter\n"
  "chrony_serverstats_ntp_packets_dropped_total 5\n"
  "# HELP chrony_serverstats_command_packets_dropped_total The number of command requests dropped by the server due to rate limiting.\n"
  "# TYPE chrony_serverstats_command_packets_dropped_total counter\n"
  "chrony_serverstats_command_packets_dropped_total 1\n"
  "# HELP chrony_serverstats_client_log_records_dropped_total The number of client log records dropped by the server to limit the memory use.\n"
  "# TYPE chrony_serverstats_client_log_records_dropped_total counter\n"
  "chrony_serverstats_client_log_records_dropped_total 2\n"
  "# HELP chrony_serverstats_nts_ke_connections_accepted_total The number of NTS-KE connections accepted by the server.\n"
  "# TYPE chrony_serverstats_nts_ke_connections_accepted_total counter\n"
  "chrony_serverstats_nts_ke_connections_accepted_total 0\n"
  "# HELP chrony_serverstats_nts_ke_connections_dropped_total The number of NTS-KE connections dropped by the server due to rate limiting.\n"
  "# TYPE chrony_serverstats_nts_ke_connections_dropped_total counter\n"
  "chrony_serverstats_nts_ke_connections_dropped_total 0\n"
  "# HELP chrony_serverstats_authenticated_ntp_packets_total The number of received NTP requests that were authenticated (with a symmetric key or NTS).\n"
  "# TYPE chrony_serverstats_authenticated_ntp_packets_total counter\n"
  "chrony_serverstats_authenticated_ntp_packets_total 3\n"
  "# HELP chrony_serverstats_interleaved_ntp_packets_total The number of received NTP requests that were detected to be in the interleaved mode.\n"
  "# TYPE chrony_serverstats_interleaved_ntp_packets_total counter\n"
  "chrony_serverstats_interleaved_ntp_packets_total 4\n"
  "# HELP chrony_serverstats_ntp_timestamps_held The number of pairs of receive and transmit timestamps that the server is currently holding in memory for clients using the interleaved mode.\n"
  "# TYPE chrony_serverstats_ntp_timestamps_held gauge\n"
  "chrony_serverstats_ntp_timestamps_held 6\n"
  "# HELP chrony_serverstats_ntp_timestamp_span_seconds The interval (in seconds) covered by the currently held NTP timestamps.\n"
  "# TYPE chrony_serverstats_ntp_timestamp_span_seconds gauge\n"
  "chrony_serverstats_ntp_timestamp_span_seconds 7\n"
  "# HELP chrony_serverstats_ntp_requests_dropped_total NTP requests the server dropped, by reason: access (not allowed), format (malformed), mode (not a request), auth (MAC not verified), send (reply not sent), ratelimit.\n"
  "# TYPE chrony_serverstats_ntp_requests_dropped_total counter\n"
  "chrony_serverstats_ntp_requests_dropped_total{reason=\"access\"} 11\n"
  "chrony_serverstats_ntp_requests_dropped_total{reason=\"ratelimit\"} 5\n"
  "# HELP chrony_serverstats_client_log_records The records the client log has room for now (its table grows while full, up to clientloglimit).\n"
  "# TYPE chrony_serverstats_client_log_records gauge\n"
  "chrony_serverstats_client_log_records 4096\n"
  "# HELP chrony_up Whether the chrony server is up.\n"
  "# TYPE chrony_up gauge\n"
  "chrony_up 1\n";

static void test_canned_reports(void **state)
{
  struct metrics_reports r;
  struct metrics_text t = {0};
  (void)state;
  canned(&r);
  assert_true(metrics_render(&r, &t));
  if (getenv("METRICS_DUMP"))
    fputs(t.data, stdout);
  assert_string_equal(t.data, canned_text);
  assert_int_equal(t.len, strlen(canned_text));
  metrics_text_free(&t);
}

/* The exporter's metrics (tests/data/chrony_exporter_metrics.tsv): every
 * family of the canned text it has is there with its type, help text and
 * labels; the others are the documented additions; every one of its
 * families is in the text but chrony 4.4's serverstats (not in protocol
 * 6 as chrony 4.3 speaks it). */
static const char *const additions[] = {
  "chrony_tracking_leap_status", "chrony_serverstats_ntp_requests_dropped_total",
  "chrony_serverstats_client_log_records"};

static bool is_addition(const char *name)
{
  for (size_t i = 0; i < sizeof(additions) / sizeof(additions[0]); i++)
    if (strcmp(additions[i], name) == 0)
      return true;
  return false;
}

static void test_names_are_chrony_exporters(void **state)
{
  struct metrics_reports r;
  struct metrics_text t = {0};
  char line[512], want[1024];
  unsigned n_exporter = 0, n_found = 0;
  (void)state;
  canned(&r);
  assert_true(metrics_render(&r, &t));
  FILE *f = fopen(STRATUM_SOURCE_ROOT "/tests/data/chrony_exporter_metrics.tsv", "r");
  assert_non_null(f);
  while (fgets(line, sizeof(line), f)) {
    char *save, *name = strtok_r(line, "\t\n", &save), *type = strtok_r(NULL, "\t\n", &save);
    char *labels = strtok_r(NULL, "\t\n", &save), *help = strtok_r(NULL, "\t\n", &save);
    if (!name || name[0] == '#')
      continue;
    assert_non_null(help);
    n_exporter++;
    snprintf(want, sizeof(want), "# HELP %s %s\n# TYPE %s %s\n%s%s", name, help, name, type,
             name, strcmp(labels, "-") == 0 ? " " : "{");
    if (strstr(name, "_rx_timestamps_total") || strstr(name, "_tx_timestamps_total")) {
      assert_null(strstr(t.data, name));
      continue;
    }
    if (!strstr(t.data, want))
      fail_msg("not as chrony_exporter has it: %s", want);
    n_found++;
    /* the labels, in its order */
    if (strcmp(labels, "-") != 0) {
      const char *sample = strstr(t.data, want) + strlen(want) - 1;
      char *lsave;
      for (char *l = strtok_r(labels, ",", &lsave); l; l = strtok_r(NULL, ",", &lsave)) {
        const char *at = strstr(sample, l);
        assert_non_null(at);
        assert_true(at[strlen(l)] == '=');
        sample = at;
      }
    }
  }
  fclose(f);
  assert_int_equal(n_exporter, 51);
  assert_int_equal(n_found, 51 - 6);
  /* every family of ours is the exporter's or an addition */
  for (const char *p = t.data; (p = strstr(p, "# HELP ")) != NULL; p++) {
    char name[128];
    assert_int_equal(sscanf(p, "# HELP %127s", name), 1);
    char needle[160];
    snprintf(needle, sizeof(needle), "%s\t", name);
    FILE *g = fopen(STRATUM_SOURCE_ROOT "/tests/data/chrony_exporter_metrics.tsv", "r");
    bool known = false;
    while (!known && fgets(line, sizeof(line), g))
      known = strncmp(line, needle, strlen(needle)) == 0;
    fclose(g);
    if (!known && !is_addition(name))
      fail_msg("neither chrony_exporter's nor an addition: %s", name);
  }
  metrics_text_free(&t);
}

/* An unsynchronised daemon serving `local` without sources: a reference
 * ID for a name, not a remote reference; nothing of the sources. */
static void test_local_reference(void **state)
{
  struct metrics_reports r;
  struct metrics_text t = {0};
  (void)state;
  memset(&r, 0, sizeof(r));
  r.up = true;
  r.have_tracking = true;
  r.tracking = (struct cmd_rpy_tracking){.ref_id = 0x7f7f0101, .stratum = 3,
                                         .leap_status = 0};
  assert_true(metrics_render(&r, &t));
  assert_non_null(strstr(t.data, "chrony_tracking_info{tracking_address=\"7F7F0101\","
                                 "tracking_name=\"7F7F0101\",tracking_refid=\"7F7F0101\"} 1\n"));
  assert_non_null(strstr(t.data, "\nchrony_tracking_remote_reference 0\n"));
  assert_non_null(strstr(t.data, "\nchrony_tracking_stratum 3\n"));
  assert_null(strstr(t.data, "chrony_sources"));
  assert_null(strstr(t.data, "chrony_serverstats"));
  assert_non_null(strstr(t.data, "\nchrony_up 1\n"));
  metrics_text_free(&t);

  /* unsynchronised: refid 0, no letters; "LOCL" has letters */
  r.tracking.ref_id = 0;
  r.tracking.leap_status = 3;
  assert_true(metrics_render(&r, &t));
  assert_non_null(strstr(t.data, "{tracking_address=\"\",tracking_name=\"\","
                                 "tracking_refid=\"00000000\"} 1\n"));
  assert_non_null(strstr(t.data, "\nchrony_tracking_leap_status 3\n"));
  metrics_text_free(&t);
  r.tracking.ref_id = 0x4c4f434c;
  assert_true(metrics_render(&r, &t));
  assert_non_null(strstr(t.data, "{tracking_address=\"LOCL\",tracking_name=\"LOCL\","
                                 "tracking_refid=\"4C4F434C\"} 1\n"));
  metrics_text_free(&t);
}

/* Values: integers as such, the shortest decimal, Prometheus' specials. */
static void test_values(void **state)
{
  struct metrics_reports r;
  struct metrics_text t = {0};
  (void)state;
  memset(&r, 0, sizeof(r));
  r.have_tracking = true;
  r.tracking.last_offset = 0.1;
  r.tracking.rms_offset = NAN;
  r.tracking.freq_ppm = -INFINITY;
  r.tracking.skew_ppm = 1e300;
  r.tracking.root_delay = 1.0 / 3.0;
  r.tracking.ref_time = (struct timespec){0, 0};
  assert_true(metrics_render(&r, &t));
  assert_non_null(strstr(t.data, "\nchrony_tracking_last_offset_seconds 0.1\n"));
  assert_non_null(strstr(t.data, "\nchrony_tracking_rms_offset_seconds NaN\n"));
  assert_non_null(strstr(t.data, "\nchrony_tracking_frequency_ppms -Inf\n"));
  assert_non_null(strstr(t.data, "\nchrony_tracking_skew_ppms 1e+300\n"));
  assert_non_null(strstr(t.data, "\nchrony_tracking_root_delay_seconds 0.3333333333333333\n"));
  assert_non_null(strstr(t.data, "\nchrony_tracking_reference_timestamp_seconds 0\n"));
  assert_non_null(strstr(t.data, "\nchrony_up 0\n"));
  metrics_text_free(&t);
}

/* The text stops growing at METRICS_MAX_TEXT: rendering fails. */
static void test_text_limit(void **state)
{
  struct metrics_reports r;
  struct metrics_text t = {0};
  (void)state;
  memset(&r, 0, sizeof(r));
  r.n_sources = METRICS_MAX_SOURCES;
  r.sources = calloc(r.n_sources, sizeof(*r.sources));
  assert_non_null(r.sources);
  for (uint32_t i = 0; i < r.n_sources; i++) {
    r.sources[i].have_data = r.sources[i].have_name = r.sources[i].have_ntp_data = true;
    r.sources[i].data.ip = ip4(10, 0, (uint8_t)(i >> 8), (uint8_t)i);
    memset(r.sources[i].name, '"', CMD_NAME_LEN - 1);   /* each escaped: 2 bytes */
  }
  assert_true(metrics_render(&r, &t));         /* 256 sources of longest names fit */
  assert_true(t.len < METRICS_MAX_TEXT);
  size_t one = t.len;
  for (int i = 0; i < 5 && !t.failed; i++)
    metrics_render(&r, &t);
  assert_true(t.failed);
  assert_true(t.len <= METRICS_MAX_TEXT && t.len >= one);
  metrics_text_free(&t);
  free(r.sources);
}

/* ---- fetching ---- */

struct fake {
  unsigned n_requests;
  uint16_t commands[64];
  unsigned fail_at;              /* request number (from 1) without a reply; 0: none */
  uint16_t refuse;               /* a command answered CMD_STT_UNAUTH */
  uint32_t n_sources;
};

static bool fake_exchange(void *arg, struct cmd_request *req, struct cmd_reply *rpy)
{
  struct fake *f = arg;
  if (f->n_requests < 64)
    f->commands[f->n_requests] = req->command;
  if (++f->n_requests == f->fail_at)
    return false;
  rpy->command = req->command;
  rpy->reply = cmd_reply_code(req->command);
  if (req->command == f->refuse) {
    rpy->reply = CMD_RPY_NULL;
    rpy->status = CMD_STT_UNAUTH;
    return true;
  }
  switch (req->command) {
  case CMD_TRACKING: rpy->data.tracking.stratum = 2; break;
  case CMD_N_SOURCES: rpy->data.n_sources = f->n_sources; break;
  case CMD_SOURCE_DATA:
    rpy->data.source_data.ip = ip4(192, 0, 2, (uint8_t)(req->data.index + 1));
    rpy->data.source_data.mode = req->data.index == 1 ? CMD_SD_MODE_REF : CMD_SD_MODE_CLIENT;
    break;
  case CMD_NTP_SOURCE_NAME:
    assert_int_equal(req->data.ip.family, CMD_IP_INET4);
    memset(rpy->data.name, 'n', CMD_NAME_LEN);      /* not terminated */
    break;
  case CMD_NTP_DATA: rpy->data.ntp_data.offset = 0.5; break;
  case CMD_SOURCESTATS: rpy->data.sourcestats.n_samples = req->data.index + 4; break;
  case CMD_SERVER_STATS: rpy->data.server_stats.ntp_hits = 9; break;
  case CMD_CLIENT_ACCESSES_BY_INDEX3:
    assert_int_equal(req->data.clients.n_clients, 0);
    assert_int_equal(req->data.clients.reset, 0);
    rpy->data.clients.n_indices = 64;
    break;
  }
  return true;
}

static void test_fetch(void **state)
{
  struct metrics_reports r;
  struct fake f = {.n_sources = 2};
  (void)state;
  assert_true(metrics_fetch(&r, fake_exchange, &f));
  static const uint16_t want[] = {
    CMD_TRACKING, CMD_N_SOURCES,
    CMD_SOURCE_DATA, CMD_NTP_SOURCE_NAME, CMD_NTP_DATA, CMD_SOURCESTATS,
    CMD_SOURCE_DATA, CMD_SOURCESTATS,              /* a reference clock: no name, no ntpdata */
    CMD_SERVER_STATS, CMD_CLIENT_ACCESSES_BY_INDEX3};
  assert_int_equal(f.n_requests, sizeof(want) / sizeof(want[0]));
  assert_memory_equal(f.commands, want, sizeof(want));
  assert_true(r.up && r.have_tracking && r.have_server_stats && r.have_clients);
  assert_int_equal(r.tracking.stratum, 2);
  assert_int_equal(r.n_sources, 2);
  assert_true(r.sources[0].have_name && r.sources[0].have_ntp_data);
  assert_int_equal(strlen(r.sources[0].name), CMD_NAME_LEN - 1);
  assert_true(r.sources[0].ntp_data.offset == 0.5);
  assert_false(r.sources[1].have_name || r.sources[1].have_ntp_data);
  assert_int_equal(r.sources[1].stats.n_samples, 5);
  assert_int_equal(r.server_stats.ntp_hits, 9);
  assert_int_equal(r.client_log_records, 64);
  metrics_reports_free(&r);
}

/* A refused report is left out; the rest comes. */
static void test_fetch_refused(void **state)
{
  static const uint16_t refused[] = {CMD_TRACKING, CMD_NTP_DATA, CMD_SERVER_STATS,
                                     CMD_CLIENT_ACCESSES_BY_INDEX3, CMD_N_SOURCES};
  (void)state;
  for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
    struct metrics_reports r;
    struct fake f = {.n_sources = 1, .refuse = refused[i]};
    assert_true(metrics_fetch(&r, fake_exchange, &f));
    assert_true(r.up);
    assert_int_equal(r.have_tracking, refused[i] != CMD_TRACKING);
    assert_int_equal(r.n_sources, refused[i] == CMD_N_SOURCES ? 0 : 1);
    if (r.n_sources)
      assert_int_equal(r.sources[0].have_ntp_data, refused[i] != CMD_NTP_DATA);
    assert_int_equal(r.have_server_stats, refused[i] != CMD_SERVER_STATS);
    assert_int_equal(r.have_clients, refused[i] != CMD_CLIENT_ACCESSES_BY_INDEX3);
    metrics_reports_free(&r);
  }
}

/* No reply: the fetch stops there, and chrony_up is 0. */
static void test_fetch_stops_without_reply(void **state)
{
  (void)state;
  for (unsigned at = 1; at <= 8; at++) {
    struct metrics_reports r;
    struct metrics_text t = {0};
    struct fake f = {.n_sources = 1, .fail_at = at};
    assert_true(metrics_fetch(&r, fake_exchange, &f));
    assert_false(r.up);
    assert_int_equal(f.n_requests, at);
    assert_true(metrics_render(&r, &t));
    assert_non_null(strstr(t.data, "chrony_up 0\n"));
    metrics_text_free(&t);
    metrics_reports_free(&r);
  }
}

/* More sources than METRICS_MAX_SOURCES: only that many are asked for. */
static void test_fetch_bounded(void **state)
{
  struct metrics_reports r;
  struct fake f = {.n_sources = 100000, .refuse = CMD_SOURCE_DATA};
  (void)state;
  assert_true(metrics_fetch(&r, fake_exchange, &f));
  assert_int_equal(r.n_sources, METRICS_MAX_SOURCES);
  assert_int_equal(f.n_requests, 2 + 2 * METRICS_MAX_SOURCES + 2);
  metrics_reports_free(&r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_canned_reports),
    cmocka_unit_test(test_names_are_chrony_exporters),
    cmocka_unit_test(test_local_reference),
    cmocka_unit_test(test_values),
    cmocka_unit_test(test_text_limit),
    cmocka_unit_test(test_fetch),
    cmocka_unit_test(test_fetch_refused),
    cmocka_unit_test(test_fetch_stops_without_reply),
    cmocka_unit_test(test_fetch_bounded),
  };
  return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
