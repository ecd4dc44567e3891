/* Unit tests for src/stratumc/reports.c, run against canned replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
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

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_waitsync_infinite_interval),
  };
  return cmocka_run_group_tests_name("stratumc_reports", tests, NULL, NULL);
}
