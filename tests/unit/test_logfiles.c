/* logfmt: the lines of chrony's measurements.log, statistics.log and
 * tracking.log, checked against chrony's layout (the example lines of
 * chrony.conf(5), with the values given in Stratum's sign convention). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/logfmt.h"

static struct ip_addr ip(const char *s)
{
  struct ip_addr a;
  assert_true(addr_parse(s, &a));
  return a;
}

static void test_banners(void **state)
{
  (void)state;
  char buf[1024];
  static const char *const titles[] = {
    "   Date (UTC) Time     IP Address   L St 123 567 ABCD  LP RP Score    Offset  Peer del. "
    "Peer disp.  Root del. Root disp. Refid     MTxRx",
    "   Date (UTC) Time     IP Address    Std dev'n Est offset  Offset sd  Diff freq   Est skew"
    "  Stress  Ns  Bs  Nr  Asym",
    "   Date (UTC) Time     IP Address   St   Freq ppm   Skew ppm     Offset L Co  Offset sd "
    "Rem. corr. Root delay Root disp. Max. error",
    "   Date (UTC) Time         Refid  DP L P  Raw offset   Cooked offset      Disp.",
    "   Date (UTC) Time        Temp.       Comp.",
    "   Date (UTC) Time   RTC fast (s) Val   Est fast (s)   Slope (ppm)  Ns  Nr Meas",
    "   Date (UTC) Time     IP Address   S EOpts Reach Score Last sample  Low end   High end"};
  _Static_assert(sizeof(titles) / sizeof(titles[0]) == LOGFMT_FILES, "a title per file");
  for (int f = 0; f < LOGFMT_FILES; f++) {
    char expect[1024], ruler[256];
    size_t n = strlen(titles[f]);
    memset(ruler, '=', n);
    ruler[n] = '\0';
    snprintf(expect, sizeof(expect), "%s\n%s\n%s\n", ruler, titles[f], ruler);
    assert_string_equal(logfmt_columns((enum logfmt_file)f), titles[f]);
    assert_int_equal(logfmt_banner(buf, sizeof(buf), (enum logfmt_file)f), strlen(expect));
    assert_string_equal(buf, expect);
  }
  assert_int_equal(strlen(logfmt_columns(LOGFMT_MEASUREMENTS)), 136);
  assert_int_equal(strlen(logfmt_columns(LOGFMT_TRACKING)), 131);
  assert_string_equal(logfmt_name(LOGFMT_MEASUREMENTS), "measurements");
  assert_string_equal(logfmt_name(LOGFMT_STATISTICS), "statistics");
  assert_string_equal(logfmt_name(LOGFMT_TRACKING), "tracking");
  assert_string_equal(logfmt_name(LOGFMT_REFCLOCKS), "refclocks");
  assert_string_equal(logfmt_name(LOGFMT_TEMPCOMP), "tempcomp");
  assert_string_equal(logfmt_name(LOGFMT_RTC), "rtc");
  /* chrony's rtc line */
  struct rtct_log rl = {.sys_time = {1478670050, 999999999}, .rtc_fast = -0.49, .valid = true,
                        .est_fast = -0.512345, .slope_ppm = 11.5, .n_samples = 7, .n_runs = 4,
                        .period = 60};
  assert_int_equal(logfmt_rtc(buf, sizeof(buf), &rl), 80);
  assert_string_equal(buf, "2016-11-09 05:40:50      -0.490000 1       -0.512345        11.500"
                           "   7   4   60\n");
  assert_string_equal(logfmt_name(LOGFMT_SELECTION), "selection");
  /* chrony's tempcomp line */
  struct timespec t = {.tv_sec = 1478670050};       /* 2016-11-09 05:40:50 UTC */
  assert_int_equal(logfmt_tempcomp(buf, sizeof(buf), &t, 26125.0, 0.0234), 44);
  assert_string_equal(buf, "2016-11-09 05:40:50  2.6125e+04  2.3400e-02\n");
  /* Too small: nothing. */
  assert_int_equal(logfmt_banner(buf, 10, LOGFMT_TRACKING), 0);
  assert_string_equal(buf, "");
}

/* The example line of chrony's documentation of refclocks.log, and a
 * filtered sample's line. */
static void test_refclock_lines(void **state)
{
  (void)state;
  char buf[LOGFMT_LINE_MAX];
  struct rcl_log_sample s = {.time = {1259591607, 0}, .refid = 0x50505332, .driver_polled = 7,
                             .leap = 0, .pulse = true, .raw_offset = 4.9e-7,
                             .cooked_offset = -6.741777e-07, .dispersion = 1e-6};
  logfmt_refclock(buf, sizeof(buf), &s);
  assert_string_equal(buf, "2009-11-30 14:33:27.000000 PPS2    7 N 1  4.900000e-07 -6.741777e-07  1.000e-06\n");
  s.filtered = true;
  s.leap = 3;
  s.time.tv_nsec = 500000000;
  logfmt_refclock(buf, sizeof(buf), &s);
  assert_string_equal(buf, "2009-11-30 14:33:27.500000 PPS2    - ? -       -       -6.741777e-07  1.000e-06\n");
}

static struct client_log_measurement measurement(void)
{
  struct client_log_measurement m;
  memset(&m, 0, sizeof(m));
  m.time.tv_sec = 1478670050;      /* 2016-11-09 05:40:50 UTC */
  m.time.tv_nsec = 999999999;
  m.addr = ip("203.0.113.15");
  m.leap = 0;
  m.stratum = 2;
  for (int i = 0; i < CLIENT_N_TESTS; i++)
    m.test[i] = true;
  m.local_poll = m.remote_poll = 10;
  m.score = 1.0;
  m.offset = -4.966e-03;           /* theta: not negated */
  m.peer_delay = 2.296e-01;
  m.peer_dispersion = 1.577e-05;
  m.root_delay = 1.615e-01;
  m.root_dispersion = 7.446e-03;
  m.refid = 0xCB00717B;
  m.mode = 4;
  m.tx_source = PLAT_TS_DAEMON;
  m.rx_source = PLAT_TS_KERNEL;
  return m;
}

static void test_measurement_line(void **state)
{
  (void)state;
  char buf[LOGFMT_LINE_MAX];
  struct client_log_measurement m = measurement();
  const char *expect = "2016-11-09 05:40:50 203.0.113.15    N  2 111 111 1111  10 10 1.00 "
                       "-4.966e-03  2.296e-01  1.577e-05  1.615e-01  7.446e-03 CB00717B 4B D K\n";
  assert_int_equal(logfmt_measurement(buf, sizeof(buf), &m), strlen(expect));
  assert_string_equal(buf, expect);

  /* Failed tests, unsynchronised leap, negative poll and score, daemon
   * timestamps. */
  m.addr = ip("127.0.0.1");
  m.leap = 3;
  m.stratum = 3;
  m.test[CLIENT_TEST_A] = m.test[CLIENT_TEST_C] = false;
  m.local_poll = 4;
  m.remote_poll = -6;
  m.score = -0.25;
  m.offset = 1.234e-4;
  m.peer_delay = 2.5e-5;
  m.peer_dispersion = 1.5e-6;
  m.root_delay = 0.0;
  m.root_dispersion = 0.5;
  m.refid = 0x7F7F0101;
  m.rx_source = PLAT_TS_DAEMON;
  expect = "2016-11-09 05:40:50 127.0.0.1       ?  3 111 111 0101   4 -6 -0.25  1.234e-04  "
           "2.500e-05  1.500e-06  0.000e+00  5.000e-01 7F7F0101 4B D D\n";
  assert_int_equal(logfmt_measurement(buf, sizeof(buf), &m), strlen(expect));
  assert_string_equal(buf, expect);
  /* A NIC's stamps (hwtimestamp): H, as chronyd's. */
  m.tx_source = m.rx_source = PLAT_TS_HARDWARE;
  logfmt_measurement(buf, sizeof(buf), &m);
  assert_non_null(strstr(buf, " 4B H H\n"));
  /* 20 whitespace-separated columns, as chrony's. */
  int cols = 0;
  for (char *t = strtok(buf, " \n"); t; t = strtok(NULL, " \n"))
    cols++;
  assert_int_equal(cols, 20);

  assert_int_equal(logfmt_measurement(buf, 50, &m), 0);
  assert_string_equal(buf, "");
}

static void test_statistics_line(void **state)
{
  (void)state;
  char buf[LOGFMT_LINE_MAX];
  struct client_log_statistics s;
  memset(&s, 0, sizeof(s));
  s.time.tv_sec = 1470807650;      /* 2016-08-10 05:40:50 UTC */
  s.addr = ip("203.0.113.15");
  s.std_dev = 6.261e-03;
  s.offset = 3.247e-03;            /* server minus local: chrony shows -3.247e-03 */
  s.offset_sd = 2.220e-03;
  s.frequency = -1.874e-06;        /* chrony: local clock gaining, 1.874e-06 */
  s.skew = 1.080e-06;
  s.stress = 7.8e-02;
  s.n_samples = 16;
  s.best_start = 0;
  s.n_runs = 8;
  s.asymmetry = 0.0;
  const char *expect = "2016-08-10 05:40:50 203.0.113.15     6.261e-03 -3.247e-03  2.220e-03  "
                       "1.874e-06  1.080e-06 7.8e-02  16   0   8  0.00\n";
  assert_int_equal(logfmt_statistics(buf, sizeof(buf), &s), strlen(expect));
  assert_string_equal(buf, expect);
}

static void test_tracking_line(void **state)
{
  (void)state;
  char buf[LOGFMT_LINE_MAX];
  struct ref_log t;
  memset(&t, 0, sizeof(t));
  t.time.tv_sec = 1503408156;      /* 2017-08-22 13:22:36 UTC */
  t.addr = ip("203.0.113.15");
  t.stratum = 2;
  t.freq_ppm = 3.541;              /* made faster: chrony shows -3.541 */
  t.skew_ppm = 0.075;
  t.offset = 8.621e-06;            /* local behind: chrony shows -8.621e-06 */
  t.leap = 0;
  t.combined = 2;
  t.offset_sd = 2.940e-06;
  t.remaining = 2.084e-07;         /* still to advance: chrony shows -2.084e-07 */
  t.root_delay = 1.534e-02;
  t.root_dispersion = 3.472e-04;
  t.max_error = 8.304e-03;
  const char *expect = "2017-08-22 13:22:36 203.0.113.15     2     -3.541      0.075 -8.621e-06 N"
                       "  2  2.940e-06 -2.084e-07  1.534e-02  3.472e-04  8.304e-03\n";
  assert_int_equal(logfmt_tracking(buf, sizeof(buf), &t), strlen(expect));
  assert_string_equal(buf, expect);

  /* IPv6 and a leap second to insert. */
  t.addr = ip("2001:db8::1");
  t.leap = 1;
  assert_true(logfmt_tracking(buf, sizeof(buf), &t) > 0);
  assert_non_null(strstr(buf, " 2001:db8::1      2 "));
  assert_non_null(strstr(buf, " + "));
}

/* chrony.conf(5)'s selection.log line; the interval is given in this
 * core's sign (server minus local), chrony prints it negated. */
static void test_selection_line(void **state)
{
  (void)state;
  char buf[LOGFMT_LINE_MAX];
  struct client_log_selection s;
  memset(&s, 0, sizeof(s));
  s.time.tv_sec = 1651370480;      /* 2022-05-01 02:01:20 UTC */
  s.addr = ip("203.0.113.15");
  s.status = SEL_SELECTED;
  s.reach = 0377;
  s.score = 1.0;
  s.last_sample_ago = 42.28;
  s.lo = -1.239e-04;
  s.hi = 1.575e-04;
  const char *expect = "2022-05-01 02:01:20 203.0.113.15    * -----  377  1.00  4.228e+01 "
                       "-1.575e-04  1.239e-04\n";
  assert_int_equal(logfmt_selection(buf, sizeof(buf), &s), strlen(expect));
  assert_string_equal(buf, expect);

  /* A refclock by its refid, the effective options, another state. */
  memset(&s.addr, 0, sizeof(s.addr));
  s.refid = 0x50505300;            /* "PPS" */
  s.status = SEL_FALSETICKER;
  s.noselect = s.prefer = s.trust = s.require = true;
  s.reach = 017;
  assert_true(logfmt_selection(buf, sizeof(buf), &s) > 0);
  assert_non_null(strstr(buf, " PPS             x -NPTR   17 "));
}

/* Control characters but tab become '?'; everything else stays. */
static void test_clean(void **state)
{
  (void)state;
  char s[] = "\x1b]0;owned\x07 a\tb\r\n\x7f \xc3\xa9 ok";
  logfmt_clean(s);
  assert_string_equal(s, "?]0;owned? a\tb??? \xc3\xa9 ok");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_clean),
    cmocka_unit_test(test_banners),
    cmocka_unit_test(test_refclock_lines),
    cmocka_unit_test(test_measurement_line),
    cmocka_unit_test(test_statistics_line),
    cmocka_unit_test(test_tracking_line),
    cmocka_unit_test(test_selection_line),
  };
  return cmocka_run_group_tests_name("logfiles", tests, NULL, NULL);
}
