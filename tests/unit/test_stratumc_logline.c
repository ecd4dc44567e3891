/* Unit tests for src/stratumc/logline.c: each log's lines in chrony's
 * layout, banners skipped, bad lines refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stratumc/logline.h"

/* 2026-12-07 02:51:33 UTC */
#define T0 (20794.0 * 86400 + 2 * 3600 + 51 * 60 + 33)

static void test_time(void **state)
{
  (void)state;
  double t;
  assert_true(sc_log_time("1970-01-01", "00:00:00", &t));
  assert_true(t == 0.0);
  assert_true(sc_log_time("2026-12-07", "02:51:33", &t));
  assert_true(t == T0);
  assert_true(sc_log_time("2000-02-29", "23:59:60.250000", &t));   /* leap day, leap second */
  assert_true(t == 11016.0 * 86400 + 86400 + 0.25);
  assert_false(sc_log_time("2001-02-29", "00:00:00", &t));
  assert_false(sc_log_time("2026-13-01", "00:00:00", &t));
  assert_false(sc_log_time("2026-12-07", "24:00:00", &t));
  assert_false(sc_log_time("2026-12-7", "02:51:33", &t));
  assert_false(sc_log_time("2026-12-07", "02:51:33.", &t));
  assert_false(sc_log_time("2026-12-07", "02:51:33x", &t));
}

static void test_measurements(void **state)
{
  (void)state;
  struct sc_log_record r;
  const char *line = "2026-12-07 02:51:33 127.0.0.1       N  1 111 111 1111   4  4 1.00 "
                     "-1.234e-04  3.100e-05  2.000e-06  0.000e+00  1.000e-06 7F7F0101 4B K K\n";
  assert_int_equal(sc_log_parse(SC_LOG_MEASUREMENTS, line, &r), SC_LINE_DATA);
  assert_true(r.time == T0);
  assert_string_equal(r.source, "127.0.0.1");
  assert_true(r.v[SC_MEAS_OFFSET] == -1.234e-04);
  assert_true(r.v[SC_MEAS_DELAY] == 3.1e-05);
  /* the banner and empty lines are skipped */
  assert_int_equal(sc_log_parse(SC_LOG_MEASUREMENTS, "=========================\n", &r),
                   SC_LINE_SKIP);
  assert_int_equal(sc_log_parse(SC_LOG_MEASUREMENTS, "   Date (UTC) Time     IP Address   L "
                                "St 123 567 ABCD  LP RP Score    Offset\n", &r), SC_LINE_SKIP);
  assert_int_equal(sc_log_parse(SC_LOG_MEASUREMENTS, " \t\n", &r), SC_LINE_SKIP);
}

static void test_statistics(void **state)
{
  (void)state;
  struct sc_log_record r;
  const char *line = "2026-12-07 02:51:33 ::1              2.500e-06 -4.000e-06  1.500e-06 "
                     "-3.000e-03  2.000e-02 0.0e+00   8   0   4  0.00";
  assert_int_equal(sc_log_parse(SC_LOG_STATISTICS, line, &r), SC_LINE_DATA);
  assert_string_equal(r.source, "::1");
  assert_true(r.v[SC_STAT_STD_DEV] == 2.5e-06);
  assert_true(r.v[SC_STAT_OFFSET] == -4e-06);
  assert_true(r.v[SC_STAT_OFFSET_SD] == 1.5e-06);
  assert_true(r.v[SC_STAT_FREQ_PPM] == -3e-03);
  assert_true(r.v[SC_STAT_SKEW_PPM] == 2e-02);
}

static void test_tracking(void **state)
{
  (void)state;
  struct sc_log_record r;
  const char *line = "2026-12-07 02:51:33 127.0.0.1        2    -12.345      0.067 -5.000e-07 N "
                     " 1  3.000e-07 -1.000e-08  4.000e-05  2.000e-05  6.000e-05\n";
  assert_int_equal(sc_log_parse(SC_LOG_TRACKING, line, &r), SC_LINE_DATA);
  assert_true(r.v[SC_TRK_FREQ_PPM] == -12.345);
  assert_true(r.v[SC_TRK_SKEW_PPM] == 0.067);
  assert_true(r.v[SC_TRK_OFFSET] == -5e-07);
  assert_true(r.v[SC_TRK_ROOT_DELAY] == 4e-05);
  assert_true(r.v[SC_TRK_ROOT_DISP] == 2e-05);
  assert_true(r.v[SC_TRK_MAX_ERROR] == 6e-05);
}

static void test_refclocks(void **state)
{
  (void)state;
  struct sc_log_record r;
  assert_int_equal(sc_log_parse(SC_LOG_REFCLOCKS, "2026-12-07 02:51:33.500000 PPS0    3 N 1 "
                                " 2.000000e-07 -3.500000e-07  1.000e-06\n", &r), SC_LINE_DATA);
  assert_true(r.time == T0 + 0.5);
  assert_string_equal(r.source, "PPS0");
  assert_int_equal(r.filtered, 0);
  assert_true(r.v[SC_REF_COOKED_OFFSET] == -3.5e-07);
  assert_int_equal(sc_log_parse(SC_LOG_REFCLOCKS, "2026-12-07 02:51:34.000000 PPS0    - N - "
                                "            - -2.500000e-07  1.000e-06\n", &r), SC_LINE_DATA);
  assert_int_equal(r.filtered, 1);
  assert_true(r.v[SC_REF_COOKED_OFFSET] == -2.5e-07);
}

static void test_bad_lines(void **state)
{
  (void)state;
  struct sc_log_record r;
  static const struct { enum sc_log_kind kind; const char *line; } bad[] = {
    {SC_LOG_MEASUREMENTS, "garbage\n"},
    {SC_LOG_MEASUREMENTS, "2026-12-07 02:51:33 127.0.0.1 N 1 111 111 1111 4 4 1.00 -1e-4\n"},
    {SC_LOG_MEASUREMENTS, "2026-12-07 02:51:33 127.0.0.1 N 1 111 111 1111 4 4 1.00 nan 1e-5 "
                          "1e-6 0 1e-6 7F7F0101 4B K K\n"},
    {SC_LOG_MEASUREMENTS, "2026-12-07 02:51:33 127.0.0.1 N 1 111 111 1111 4 4 1.00 1e-4x 1e-5 "
                          "1e-6 0 1e-6 7F7F0101 4B K K\n"},
    {SC_LOG_MEASUREMENTS, "2026-12-07 02:51:33 127.0.0.1 N 1 111 111 1111 4 4 1.00 1e-4 1e-5 "
                          "1e-6 0 1e-6 7F7F0101 4B K K extra\n"},
    {SC_LOG_STATISTICS, "2026-12-07 02:51:33 ::1 2.5e-06 -4e-06 1.5e-06 -3e-03 2e-02\n"},
    {SC_LOG_STATISTICS, "2026-12-07 02:51:33 ::1 2.5e-06 -4e-06 1.5e-06 -3e-03 2e-02 inf 8 0 "
                        "4 0.00\n"},
    {SC_LOG_STATISTICS, "2026-12-07 02:51:33 ::1 2.5e-06 -4e-06 1.5e-06 -3e-03 1e20 0 8 0 "
                        "4 0.00\n"},
    {SC_LOG_TRACKING, "2026-12-07 02:51:33 127.0.0.1 2 -12.345 0.067 -5e-07 N 1 3e-07 -1e-08 "
                      "4e-05 2e-05\n"},
    {SC_LOG_TRACKING, "2026-02-30 02:51:33 127.0.0.1 2 -12.345 0.067 -5e-07 N 1 3e-07 -1e-08 "
                      "4e-05 2e-05 6e-05\n"},
    {SC_LOG_REFCLOCKS, "2026-12-07 02:51:33.5 PPS0 3 N 1 x -3.5e-07 1e-06\n"},
    {SC_LOG_REFCLOCKS, "2026-12-07 02:51:33.5 PPS\x01 3 N 1 2e-7 -3.5e-07 1e-06\n"},
    {SC_LOG_REFCLOCKS, "2026-12-07 02:51:33.5 "
                       "A_SOURCE_NAME_LONGER_THAN_ANY_ADDRESS_OR_REFID_CAN_BE 3 N 1 2e-7 "
                       "-3.5e-07 1e-06\n"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(sc_log_parse(bad[i].kind, bad[i].line, &r), SC_LINE_BAD);
  /* a line longer than any log line */
  char long_line[700];
  memset(long_line, '1', sizeof(long_line) - 1);
  long_line[sizeof(long_line) - 1] = '\0';
  assert_int_equal(sc_log_parse(SC_LOG_TRACKING, long_line, &r), SC_LINE_BAD);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_time),
    cmocka_unit_test(test_measurements),
    cmocka_unit_test(test_statistics),
    cmocka_unit_test(test_tracking),
    cmocka_unit_test(test_refclocks),
    cmocka_unit_test(test_bad_lines),
  };
  return cmocka_run_group_tests_name("stratumc_logline", tests, NULL, NULL);
}
