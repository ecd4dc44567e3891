/* Unit tests for src/stratumc/format.c: chronyc's units, widths, rounding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stratumc/format.h"
#include "proto/cmdmon.h"

static void expect_offset(double x, int sign, const char *want)
{
  char buf[SC_FMT_LEN];
  sc_fmt_offset(buf, sizeof(buf), x, sign);
  assert_string_equal(buf, want);
}

static void test_offsets_take_chronyc_units(void **state)
{
  (void)state;
  expect_offset(11e-9, 1, "  +11ns");
  expect_offset(-2846e-9, 1, "-2846ns");
  expect_offset(3130e-9, 0, "3130ns");
  expect_offset(9999.4e-9, 0, "9999ns");
  expect_offset(9999.5e-9, 0, "  10us");    /* rounding moves to the next unit */
  expect_offset(0.0126, 0, "  13ms");
  expect_offset(-0.0126, 1, "  -13ms");
  expect_offset(1.25, 0, "1250ms");
  expect_offset(12.34, 0, " 12.3s");
  expect_offset(-12.25, 1, " -12.2s");
  expect_offset(5000.0, 0, " 5000s");
  expect_offset(200000.0, 0, " 3333m");
  expect_offset(4e7, 0, "11111h");
  expect_offset(1e9, 0, "11574d");
  expect_offset(1e12, 1, "+31710y");
  expect_offset(0.0, 1, "   +0ns");
}

static void test_intervals(void **state)
{
  char buf[SC_FMT_LEN];
  static const struct { uint32_t s; const char *want; } cases[] = {
    {0, "   0"}, {1199, "1199"}, {1200, " 20m"}, {35999, "599m"}, {36000, " 10h"},
    {345599, " 95h"}, {345600, "  4d"}, {86400 * 999, "999d"}, {86400 * 1000, "  2y"},
    {UINT32_MAX, "   -"}};
  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    sc_fmt_interval(buf, sizeof(buf), cases[i].s);
    assert_string_equal(buf, cases[i].want);
  }
}

static void test_frequencies_and_log_intervals(void **state)
{
  char buf[SC_FMT_LEN];
  (void)state;
  sc_fmt_freq(buf, sizeof(buf), 1.7884, 0);
  assert_string_equal(buf, "     1.788");
  sc_fmt_freq(buf, sizeof(buf), 0.0, 1);
  assert_string_equal(buf, "    +0.000");
  sc_fmt_freq(buf, sizeof(buf), -123456.0, 1);
  assert_string_equal(buf, "   -123456");
  sc_fmt_log_interval(buf, sizeof(buf), -5);
  assert_string_equal(buf, "-5");
  sc_fmt_log_interval(buf, sizeof(buf), 127);
  assert_string_equal(buf, " -");
}

static void test_times_and_bits(void **state)
{
  char buf[SC_FMT_LEN];
  struct timespec t = {1795579939, 824656434};
  (void)state;
  sc_fmt_utc(buf, sizeof(buf), &t);
  assert_string_equal(buf, "Wed Nov 25 04:12:19 2026");
  sc_fmt_epoch(buf, sizeof(buf), &t);
  assert_string_equal(buf, "1795579939.824656434");
  sc_fmt_bits(buf, sizeof(buf), 0x3ff >> 7, 3);
  assert_string_equal(buf, "111");
  sc_fmt_bits(buf, sizeof(buf), 0x5, 4);
  assert_string_equal(buf, "0101");
  sc_fmt_bits(buf, 2, 0xf, 4);               /* truncated, still terminated */
  assert_string_equal(buf, "1");
}

static void test_names(void **state)
{
  (void)state;
  assert_string_equal(sc_leap_name(0, 0), "Normal");
  assert_string_equal(sc_leap_name(3, 1), "?");
  assert_string_equal(sc_leap_name(9, 0), "Invalid");
  assert_string_equal(sc_ntp_mode_name(4), "Server");
  assert_string_equal(sc_ntp_mode_name(3), "Invalid");
  assert_string_equal(sc_timestamp_source_name('K'), "Kernel");
  assert_string_equal(sc_status_text(CMD_STT_SUCCESS), "200 OK");
  assert_string_equal(sc_status_text(CMD_STT_UNAUTH), "501 Not authorised");
  assert_string_equal(sc_status_text(CMD_STT_NOSUCHSOURCE), "503 No such source");
  assert_string_equal(sc_status_text(CMD_STT_NOTENABLED), "505 Facility not enabled in daemon");
  assert_string_equal(sc_status_text(999), "520 Got unexpected error from daemon");
  assert_true(sc_log2_to_double(4) == 16.0);
  assert_true(sc_log2_to_double(-26) == 1.0 / (1 << 26));
  assert_true(sc_log2_to_double(99) == 2147483648.0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_offsets_take_chronyc_units),
    cmocka_unit_test(test_intervals),
    cmocka_unit_test(test_frequencies_and_log_intervals),
    cmocka_unit_test(test_times_and_bits),
    cmocka_unit_test(test_names),
  };
  return cmocka_run_group_tests_name("stratumc_format", tests, NULL, NULL);
}
