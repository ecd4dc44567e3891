/* Unit tests for src/conf/rtcfile.c: chronyd's rtcfile read and written,
 * and the texts refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "conf/rtcfile.h"

static void test_parse(void **state)
{
  (void)state;
  struct rtcfile_coefs c;
  /* as chronyd 4.3 writes it */
  assert_true(rtcfile_parse("1 1765000000 -0.123456 12.345\n", &c));
  assert_true(c.valid && c.ref_time == 1765000000 && c.offset == -0.123456 &&
              c.rate_ppm == 12.345);
  assert_true(rtcfile_parse("  0\n17 \t0.5 -3\n\n", &c));         /* fscanf's white space */
  assert_true(!c.valid && c.ref_time == 17 && c.offset == 0.5 && c.rate_ppm == -3.0);
  assert_true(rtcfile_parse("2 0 0 0", &c) && c.valid);
}

static void test_rejected(void **state)
{
  (void)state;
  static const char *const bad[] = {
    "", "1", "1 2 3", "1 2 3 4 5", "x 2 3 4", "1.5 2 3 4", "1 2 3 4x", "1 2x 3 4",
    "1 nan 0 0", "1 0 inf 0", "1 0 0 1e7", "1 0 2e9 0", "1 1e16 0 0", "99999999999999999999 0 0 0",
  };
  struct rtcfile_coefs c;
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    if (rtcfile_parse(bad[i], &c))
      fail_msg("accepted \"%s\"", bad[i]);
}

static void test_format(void **state)
{
  (void)state;
  char buf[128];
  struct rtcfile_coefs c = {true, 1765000000, -0.1234567, 12.3456}, d;
  assert_int_equal(rtcfile_format(buf, sizeof(buf), &c), strlen("1 1765000000 -0.123457 12.346\n"));
  assert_string_equal(buf, "1 1765000000 -0.123457 12.346\n");
  assert_true(rtcfile_parse(buf, &d) && d.valid && d.ref_time == c.ref_time);
  assert_int_equal(rtcfile_format(buf, 10, &c), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse),
    cmocka_unit_test(test_rejected),
    cmocka_unit_test(test_format),
  };
  return cmocka_run_group_tests_name("rtcfile", tests, NULL, NULL);
}
