/* adjtime: hwclock's adjtime file read as chronyd reads it for hwclockfile:
 * the third line says UTC or LOCAL; anything else is unknown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "conf/adjtime.h"

static void test_third_line(void **state)
{
  (void)state;
  assert_int_equal(adjtime_parse("0.000000 1700000000 0.000000\n1700000000\nUTC\n"), ADJTIME_UTC);
  assert_int_equal(adjtime_parse("0.0 0 0.0\n0\nLOCAL\n"), ADJTIME_LOCAL);
  assert_int_equal(adjtime_parse("a\nb\nUTC"), ADJTIME_UTC);          /* no final newline */
  assert_int_equal(adjtime_parse("a\nb\nLOCALTIME\n"), ADJTIME_LOCAL);  /* a prefix, as chronyd */
}

static void test_rejections(void **state)
{
  (void)state;
  assert_int_equal(adjtime_parse(""), ADJTIME_UNKNOWN);
  assert_int_equal(adjtime_parse("a\nb\n"), ADJTIME_UNKNOWN);
  assert_int_equal(adjtime_parse("UTC\n"), ADJTIME_UNKNOWN);            /* the first line */
  assert_int_equal(adjtime_parse("a\nb\nutc\n"), ADJTIME_UNKNOWN);      /* case matters */
  assert_int_equal(adjtime_parse("a\nb\n UTC\n"), ADJTIME_UNKNOWN);
  assert_int_equal(adjtime_parse("a\nb\nc\nUTC\n"), ADJTIME_UNKNOWN);   /* the fourth */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_third_line),
    cmocka_unit_test(test_rejections),
  };
  return cmocka_run_group_tests_name("adjtime", tests, NULL, NULL);
}
