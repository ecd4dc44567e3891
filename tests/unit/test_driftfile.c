#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>

#include "conf/driftfile.h"

static void test_chrony_format_read_with_sign_flipped(void **state)
{
  (void)state;
  double f, s;
  assert_true(driftfile_parse("          -12.345678             0.051234\n", &f, &s));
  assert_true(fabs(f - 12.345678) < 1e-9);
  assert_true(fabs(s - 0.051234) < 1e-9);
  assert_true(driftfile_parse("3 0", &f, &s));
  assert_true(f == -3.0 && s == 0.0);
}

static void test_round_trip(void **state)
{
  (void)state;
  char buf[64];
  double f, s;
  assert_true(driftfile_format(buf, sizeof(buf), -7.25, 0.125) > 0);
  assert_true(driftfile_parse(buf, &f, &s));
  assert_true(fabs(f + 7.25) < 1e-6 && fabs(s - 0.125) < 1e-6);
  assert_int_equal(driftfile_format(buf, 8, 1.0, 1.0), 0);
}

static void test_rejections(void **state)
{
  (void)state;
  double f = 99, s = 99;
  const char *bad[] = {
    "", "\n", "1.0", "1.0\n", "abc 1", "1 abc", "1 2 3", "nan 1", "1 inf",
    "1e7 0", "0 -1", "0 2e6", "1,5 0", "1 2x",
  };
  for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_false(driftfile_parse(bad[i], &f, &s));
  assert_true(f == 99 && s == 99);  /* untouched on failure */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_chrony_format_read_with_sign_flipped),
    cmocka_unit_test(test_round_trip),
    cmocka_unit_test(test_rejections),
  };
  return cmocka_run_group_tests_name("driftfile", tests, NULL, NULL);
}
