/* Unit tests for src/stratumc/reports.c, run against canned replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <cmocka.h>

#include "stratumc/reports.h"

/* An sc_exchange_fn: every request gets an empty reply of its kind (a
 * tracking reply of an unsynchronised daemon). */
static bool empty_reply(void *arg, struct cmd_request *req, struct cmd_reply *rpy)
{
  int *n = arg;
  (*n)++;
  memset(rpy, 0, sizeof(*rpy));
  rpy->command = req->command;
  rpy->reply = cmd_reply_code(req->command);
  return true;
}

static void on_alarm(int sig)
{
  (void)sig;
}

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* An infinite interval between tries is a wait that a signal ends (it was
 * converted to time_t). */
static void test_waitsync_infinite_interval(void **state)
{
  char line[] = "waitsync 2 0 0 inf";
  struct sc_command cmd;
  struct sc_out out;
  int requests = 0;
  FILE *null = fopen("/dev/null", "w");
  (void)state;
  assert_non_null(null);
  sc_parse_command(line, NULL, &cmd);
  assert_int_equal(cmd.action, SC_ACT_REPORT);
  sc_out_init(&out, null, SC_HUMAN);
  struct sc_session s = {.exchange = empty_reply, .exchange_arg = &requests, .out = &out,
                         .no_dns = true};
  struct sigaction sa = {.sa_handler = on_alarm};
  struct itimerval alarm_in = {.it_value = {.tv_usec = 200000}};
  assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
  assert_int_equal(setitimer(ITIMER_REAL, &alarm_in, NULL), 0);
  double start = now();
  assert_false(sc_report_run(&s, &cmd));
  assert_true(now() - start >= 0.15);
  assert_int_equal(requests, 1);
  fclose(null);
}

/* metrics: the reports in Prometheus' text whatever -j says, one request
 * at a time; a daemon that does not answer gives chrony_up 0 and failure. */
static bool no_reply(void *arg, struct cmd_request *req, struct cmd_reply *rpy)
{
  int *n = arg;
  (void)req;
  (void)rpy;
  (*n)++;
  return false;
}

static char *run_metrics(sc_exchange_fn *exchange, int *requests, enum sc_mode mode, bool *ok)
{
  char line[] = "metrics", *text = NULL;
  size_t len = 0;
  struct sc_command cmd;
  struct sc_out out;
  FILE *f = open_memstream(&text, &len);
  assert_non_null(f);
  sc_parse_command(line, NULL, &cmd);
  sc_out_init(&out, f, mode);
  struct sc_session s = {.exchange = exchange, .exchange_arg = requests, .out = &out,
                         .no_dns = true};
  *ok = sc_report_run(&s, &cmd);
  fclose(f);
  return text;
}

static void test_metrics(void **state)
{
  int requests = 0;
  bool ok;
  (void)state;
  char *text = run_metrics(empty_reply, &requests, SC_JSON, &ok);
  assert_true(ok);
  /* tracking, n_sources (none), serverstats, clients */
  assert_int_equal(requests, 4);
  assert_true(strncmp(text, "# HELP chrony_tracking_info Chrony tracking info\n", 49) == 0);
  assert_non_null(strstr(text, "\nchrony_tracking_stratum 0\n"));
  assert_non_null(strstr(text, "\nchrony_serverstats_ntp_packets_received_total 0\n"));
  assert_non_null(strstr(text, "\nchrony_serverstats_client_log_records 0\n"));
  assert_null(strstr(text, "ntp_requests_dropped_total"));   /* only the daemon has them */
  assert_null(strstr(text, "{\"command\""));
  assert_true(strcmp(text + strlen(text) - 12, "chrony_up 1\n") == 0);
  free(text);

  requests = 0;
  text = run_metrics(no_reply, &requests, SC_HUMAN, &ok);
  assert_false(ok);
  assert_int_equal(requests, 1);
  assert_string_equal(text, "# HELP chrony_up Whether the chrony server is up.\n"
                            "# TYPE chrony_up gauge\n"
                            "chrony_up 0\n");
  free(text);
}

/* serverstats and ntpdata as chronyc 4.8 prints them from the newer
 * replies, and as chronyc 4.3 from the older ones (chronyd 4.3's answer
 * to the same request): a counter above 32 bits printed whole. */
static uint16_t older;           /* 0: answer in the newest format */

static bool stats_reply(void *arg, struct cmd_request *req, struct cmd_reply *rpy)
{
  (void)arg;
  memset(rpy, 0, sizeof(*rpy));
  rpy->command = req->command;
  rpy->reply = older && req->command == CMD_SERVER_STATS ? CMD_RPY_SERVER_STATS3
               : older ? CMD_RPY_NTP_DATA : cmd_reply_code(req->command);
  rpy->data.server_stats.ntp_hits = 5000000000ULL;
  rpy->data.server_stats.ntp_hw_tx_timestamps = 3;
  return true;
}

static char *run(const char *command, enum sc_mode mode)
{
  char line[64], *text = NULL;
  size_t len = 0;
  struct sc_command cmd;
  struct sc_out out;
  FILE *f = open_memstream(&text, &len);
  assert_non_null(f);
  snprintf(line, sizeof(line), "%s", command);
  sc_parse_command(line, NULL, &cmd);
  sc_out_init(&out, f, mode);
  struct sc_session s = {.exchange = stats_reply, .out = &out, .no_dns = true};
  assert_true(sc_report_run(&s, &cmd));
  fclose(f);
  return text;
}

static int lines(const char *text)
{
  int n = 0;
  for (; *text; text++)
    n += *text == '\n';
  return n;
}

static void test_newer_and_older_formats(void **state)
{
  (void)state;
  older = 0;
  char *text = run("serverstats", SC_HUMAN);
  assert_int_equal(lines(text), 17);
  assert_non_null(strstr(text, "NTP packets received       : 5000000000\n"));
  assert_non_null(strstr(text, "\nNTP hardware TX timestamps : 3\n"));
  free(text);
  text = run("serverstats", SC_CSV);
  assert_string_equal(text, "5000000000,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,3\n");
  free(text);
  text = run("ntpdata 192.0.2.1", SC_HUMAN);
  assert_int_equal(lines(text), 31);
  assert_non_null(strstr(text, "\nTotal good RX   : 0\nTotal kernel TX : 0\n"));
  assert_non_null(strstr(text, "\nTotal HW RX     : 0\n"));
  free(text);
  older = 1;
  text = run("serverstats", SC_HUMAN);
  assert_int_equal(lines(text), 11);
  assert_null(strstr(text, "hardware"));
  free(text);
  text = run("ntpdata 192.0.2.1", SC_HUMAN);
  assert_int_equal(lines(text), 27);
  assert_null(strstr(text, "Total kernel TX"));
  free(text);
}

/* -N: a source's name is the daemon's answer to NTP_SOURCE_NAME, whole
 * (not cut at 25 characters), or "?" if that is not a printable string; a
 * reference clock keeps its reference ID's letters, asked no name. */
static const char long_name[] = "a-name-longer-than-25-characters.example";

struct named {
  int name_requests;
};

static bool named_sources(void *arg, struct cmd_request *req, struct cmd_reply *rpy)
{
  struct named *d = arg;
  memset(rpy, 0, sizeof(*rpy));
  rpy->command = req->command;
  rpy->reply = cmd_reply_code(req->command);
  if (req->command == CMD_N_SOURCES) {
    rpy->data.n_sources = 3;
  } else if (req->command == CMD_SOURCE_DATA) {
    struct cmd_rpy_source_data *sd = &rpy->data.source_data;
    uint8_t refid[4] = {'G', 'P', 'S', 0};
    sd->ip.family = CMD_IP_INET4;
    if (req->data.index == 2) {
      sd->mode = CMD_SD_MODE_REF;
      memcpy(sd->ip.bytes, refid, 4);
    } else {
      memcpy(sd->ip.bytes, (uint8_t[]){192, 0, 2, (uint8_t)(req->data.index + 1)}, 4);
    }
  } else if (req->command == CMD_NTP_SOURCE_NAME) {
    d->name_requests++;
    /* 192.0.2.1 is named; 192.0.2.2's name has a space in it */
    snprintf(rpy->data.name, sizeof(rpy->data.name), "%s",
             req->data.ip.bytes[3] == 1 ? long_name : "two words");
  }
  return true;
}

static char *run_named(const char *command, enum sc_mode mode, bool source_names,
                       struct named *d)
{
  char line[64], *text = NULL;
  size_t len = 0;
  struct sc_command cmd;
  struct sc_out out;
  FILE *f = open_memstream(&text, &len);
  assert_non_null(f);
  snprintf(line, sizeof(line), "%s", command);
  sc_parse_command(line, NULL, &cmd);
  sc_out_init(&out, f, mode);
  struct sc_session s = {.exchange = named_sources, .exchange_arg = d, .out = &out,
                         .no_dns = true, .source_names = source_names};
  assert_true(sc_report_run(&s, &cmd));
  fclose(f);
  return text;
}

static void test_source_names(void **state)
{
  struct named d = {0};
  char row[128];
  (void)state;
  char *text = run_named("sources", SC_CSV, true, &d);
  assert_int_equal(d.name_requests, 2);
  snprintf(row, sizeof(row), "^,*,%s,0,", long_name);
  assert_true(strncmp(text, row, strlen(row)) == 0);
  assert_non_null(strstr(text, "\n^,*,?,0,"));
  assert_non_null(strstr(text, "\n#,*,GPS,0,"));
  free(text);

  d.name_requests = 0;
  text = run_named("sources", SC_HUMAN, true, &d);
  snprintf(row, sizeof(row), "\n^* %s ", long_name);
  assert_non_null(strstr(text, row));
  assert_non_null(strstr(text, "\n^* ?                             0"));
  free(text);

  /* without -N: the addresses, and no name asked */
  d.name_requests = 0;
  text = run_named("sources", SC_CSV, false, &d);
  assert_int_equal(d.name_requests, 0);
  assert_true(strncmp(text, "^,*,192.0.2.1,0,", 16) == 0);
  free(text);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_waitsync_infinite_interval),
    cmocka_unit_test(test_metrics),
    cmocka_unit_test(test_newer_and_older_formats),
    cmocka_unit_test(test_source_names),
  };
  return cmocka_run_group_tests_name("stratumc_reports", tests, NULL, NULL);
}
