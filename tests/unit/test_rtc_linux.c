/* rtc_linux: an RTC's broken-down time as Unix seconds, kept in UTC or in
 * local time, and the times that are none; a device that is no RTC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>

#include "sys/rtc_linux.h"

static void test_utc_and_local(void **state)
{
  (void)state;
  struct tm t = {.tm_year = 126, .tm_mon = 11, .tm_mday = 6, .tm_hour = 23, .tm_min = 59,
                 .tm_sec = 30, .tm_isdst = 1, .tm_wday = 5};
  assert_int_equal(rtc_tm_to_time(&t, true), 1796601570);   /* 2026-12-06T23:59:30Z */
  setenv("TZ", "CET-1", 1);                                  /* UTC+1, no DST */
  tzset();
  assert_int_equal(rtc_tm_to_time(&t, false), 1796601570 - 3600);
  setenv("TZ", "UTC0", 1);
  tzset();
  assert_int_equal(rtc_tm_to_time(&t, false), 1796601570);
}

static void test_invalid_times(void **state)
{
  (void)state;
  const struct tm bad[] = {
    {.tm_year = 126, .tm_mon = 12, .tm_mday = 1}, {.tm_year = 126, .tm_mon = 0, .tm_mday = 0},
    {.tm_year = 126, .tm_mon = 0, .tm_mday = 1, .tm_hour = 24},
    {.tm_year = 126, .tm_mon = 0, .tm_mday = 1, .tm_min = -1},
    {.tm_year = 69, .tm_mon = 0, .tm_mday = 1}};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(rtc_tm_to_time(&bad[i], true), -1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_utc_and_local),
    cmocka_unit_test(test_invalid_times),
  };
  return cmocka_run_group_tests_name("rtc_linux", tests, NULL, NULL);
}
