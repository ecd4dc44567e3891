/* Unit tests for src/stratumc/date.c: settime's time forms as chronyc's
 * get_date reads them (absolute and relative), in UTC and in a zone with
 * summer time, and the texts refused. The figures were checked against
 * Debian's chronyc 4.3 (tests/interop/test_settime_dates.py compares the
 * two on these texts). */
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

/* Relative items: from now (its time kept) or from the date and time given. */
static void test_relative(void **state)
{
  (void)state;
  assert_int_equal(parse("now"), NOW);
  assert_int_equal(parse("today"), NOW);
  assert_int_equal(parse("+5 seconds"), NOW + 5);
  assert_int_equal(parse("now + 1 hour"), NOW + 3600);    /* a sign alone is skipped */
  assert_int_equal(parse("now - 1 hour"), NOW + 3600);
  assert_int_equal(parse("-3 mins"), NOW - 180);
  assert_int_equal(parse("2 hours ago"), NOW - 7200);
  assert_int_equal(parse("2 days ago 3 hours"), NOW - 2 * 86400 + 3 * 3600);
  assert_int_equal(parse("tomorrow"), NOW + 86400);
  assert_int_equal(parse("yesterday"), NOW - 86400);
  assert_int_equal(parse("fortnight"), NOW + 14 * 86400);
  assert_int_equal(parse("3 weeks"), NOW + 21 * 86400);
  assert_int_equal(parse("last day"), NOW - 86400);        /* last: -1 */
  assert_int_equal(parse("1 year"), NOW + 365 * 86400);    /* 2027 */
  assert_int_equal(parse("2 months ago"), NOW - (31 + 30) * 86400);   /* 7 Oct */
  assert_int_equal(parse("16:30 tomorrow"), DAY_START + 86400 + 16 * 3600 + 1800);
  assert_int_equal(parse("2015-11-21 +1 day"), (time_t)16761 * 86400);
  /* week days: the next one (today counts), ordinals in weeks; NOW is a Monday */
  assert_int_equal(parse("monday"), DAY_START);
  assert_int_equal(parse("friday"), DAY_START + 4 * 86400);
  assert_int_equal(parse("Wed,"), DAY_START + 2 * 86400);
  assert_int_equal(parse("tues"), DAY_START + 86400);
  assert_int_equal(parse("next monday"), DAY_START);
  assert_int_equal(parse("third monday"), DAY_START + 14 * 86400);
  assert_int_equal(parse("last friday"), DAY_START - 3 * 86400);
  assert_int_equal(parse("monday 12:00"), DAY_START + 12 * 3600);
}

/* getdate's other forms, and what mktime carries over. */
static void test_getdate_quirks(void **state)
{
  (void)state;
  time_t nov21 = (time_t)16760 * 86400;
  assert_int_equal(parse(""), DAY_START);                  /* nothing: midnight */
  assert_int_equal(parse("16"), DAY_START + 16 * 3600);    /* a bare number: HH */
  assert_int_equal(parse("1630"), DAY_START + 16 * 3600 + 1800);   /* HHMM */
  assert_int_equal(parse("20151121"), nov21);              /* YYYYMMDD */
  assert_int_equal(parse("2015-11-21 12:00 2016"), (time_t)17126 * 86400 + 12 * 3600);
  assert_int_equal(parse("17-JUN-1992"), (time_t)8203 * 86400);
  assert_int_equal(parse("sep. 5"), (time_t)20701 * 86400);
  assert_int_equal(parse("12:00 +0100"), DAY_START + 11 * 3600 + 33);  /* seconds: now's */
  assert_int_equal(parse("12:00:30 -0530"), DAY_START + 17 * 3600 + 1830);
  assert_int_equal(parse("16:30 EST"), DAY_START + 21 * 3600 + 1800);
  assert_int_equal(parse("16:30 mest"), DAY_START + 14 * 3600 + 1800);
  assert_int_equal(parse("16:30 cet dst"), DAY_START + 14 * 3600 + 1800);
  assert_int_equal(parse("16:30 a"), DAY_START + 17 * 3600 + 1800);    /* military: a is UTC-1 */
  assert_int_equal(parse("u.t.c. 12:00"), DAY_START + 12 * 3600);
  assert_int_equal(parse("(a comment) 16:30"), DAY_START + 16 * 3600 + 1800);
  assert_int_equal(parse("16:30 (unclosed"), DAY_START + 16 * 3600 + 1800);
  assert_int_equal(parse("16:60"), DAY_START + 17 * 3600);
  assert_int_equal(parse("2015-02-30"), (time_t)16496 * 86400);        /* 2 March */
  assert_int_equal(parse("Nov 32"), DAY_START - 5 * 86400);            /* 2 December */
}

static void test_local_zone(void **state)
{
  (void)state;
  setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
  tzset();
  assert_int_equal(parse("2015-11-21 16:30:05"), (time_t)16760 * 86400 + 59405 - 3600);
  assert_int_equal(parse("2015-07-01 12:00"), (time_t)16617 * 86400 + 12 * 3600 - 7200);
  assert_int_equal(parse("2015-07-01 12:00 GMT"), (time_t)16617 * 86400 + 12 * 3600);
  /* a day later in summer time: the same local hour, 23 h on (relative days) */
  assert_int_equal(parse("2015-03-28 12:00 tomorrow"), (time_t)16523 * 86400 + 12 * 3600 - 7200);
  setup_utc(NULL);
}

static void test_rejected(void **state)
{
  (void)state;
  static const char *const bad[] = {
    /* what chronyc 4.3 refuses too */
    "16:", ":30", "24:00", "13 pm", "0 am", "16:30 17:00", "2015-11-21 2015-11-22",
    "Novembre 21", "No 21", "1969-12-31 23:59:59", "16:30 UTC GMT", "16.30", "16:30;",
    "2015-11", "1234567:00", "12:00 xyz", "November 21 2015 16:30:05", "5 jun 12:00",
    "16:30 cest", ",", "ago", "am", "dst", "j", "monday monday", "+5", "5 -3", "Nov",
    "Nov 5,", "12:00 +0100 utc", "2147483648",
    /* where chronyc's int would overflow */
    "2147483647 years 1 year", "99999999999999999999",
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
    cmocka_unit_test(test_relative),
    cmocka_unit_test(test_getdate_quirks),
    cmocka_unit_test(test_local_zone),
    cmocka_unit_test(test_rejected),
  };
  return cmocka_run_group_tests_name("stratumc_date", tests, setup_utc, NULL);
}
