/* Unit tests for src/stratumc/date.c: settime's time forms, in UTC and
 * in a zone with summer time, and the texts refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "stratumc/date.h"

/* 2026-12-07 02:51:33 UTC */
#define NOW ((time_t)(20794LL * 86400 + 2 * 3600 + 51 * 60 + 33))
#define DAY_START ((time_t)(20794LL * 86400))

static time_t parse(const char *text)
{
  time_t t = 0;
  assert_true(sc_date_parse(text, NOW, &t));
  return t;
}

static int setup_utc(void **state)
{
  (void)state;
  setenv("TZ", "UTC", 1);
  tzset();
  return 0;
}

static void test_forms(void **state)
{
  (void)state;
  /* chronyc(1)'s examples */
  assert_int_equal(parse("16:30"), DAY_START + 16 * 3600 + 30 * 60);
  assert_int_equal(parse("16:30:05"), DAY_START + 16 * 3600 + 30 * 60 + 5);
  time_t nov21 = (time_t)16760 * 86400;                /* 2015-11-21 */
  assert_int_equal(parse("Nov 21, 2015 16:30:05"), nov21 + 16 * 3600 + 30 * 60 + 5);
  assert_int_equal(parse("November 21 2015 16:30:05"), nov21 + 59405);
  assert_int_equal(parse("21 nov 2015 16:30:05"), nov21 + 59405);
  assert_int_equal(parse("2015-11-21 16:30:05"), nov21 + 59405);
  assert_int_equal(parse("16:30:05 2015-11-21"), nov21 + 59405);
  assert_int_equal(parse("11/21/2015 4:30:05 pm"), nov21 + 59405);
  assert_int_equal(parse("11/21/15 4:30:05pm"), nov21 + 59405);
  assert_int_equal(parse("2015/11/21 16:30:05 UTC"), nov21 + 59405);
  assert_int_equal(parse("2015-11-21"), nov21);                  /* midnight */
  assert_int_equal(parse("Nov 21 16:30"), (time_t)20778 * 86400 + 59400);   /* this year */
  assert_int_equal(parse("12 am"), DAY_START);
  assert_int_equal(parse("12:15 pm"), DAY_START + 12 * 3600 + 900);
  assert_int_equal(parse("1/1/70"), 0);
  assert_int_equal(parse("1/1/68"), (time_t)35794 * 86400);      /* 2068 */
}

static void test_local_zone(void **state)
{
  (void)state;
  setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
  tzset();
  assert_int_equal(parse("2015-11-21 16:30:05"), (time_t)16760 * 86400 + 59405 - 3600);
  assert_int_equal(parse("2015-07-01 12:00"), (time_t)16617 * 86400 + 12 * 3600 - 7200);
  assert_int_equal(parse("2015-07-01 12:00 GMT"), (time_t)16617 * 86400 + 12 * 3600);
  setup_utc(NULL);
}

static void test_rejected(void **state)
{
  (void)state;
  static const char *const bad[] = {
    "", "   ", "now", "tomorrow", "+1 hour", "16", "16:", ":30", "24:00", "16:60", "16:30:60",
    "13 pm", "0 am", "16:30 17:00", "2015-11-21 2015-11-22", "2015-13-01", "2015-02-30",
    "2015-11-00", "Nov 32", "Novembre 21", "No 21", "1969-12-31 23:59:59", "16:30 UTC GMT",
    "16.30", "16:30;", "2015-11", "1234567:00", "12:00 xyz",
  };
  time_t t;
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    if (sc_date_parse(bad[i], NOW, &t))
      fail_msg("accepted \"%s\"", bad[i]);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_forms),
    cmocka_unit_test(test_local_zone),
    cmocka_unit_test(test_rejected),
  };
  return cmocka_run_group_tests_name("stratumc_date", tests, setup_utc, NULL);
}
