/* names: chrony's pool sizes, retry intervals, replacement hold-off and
 * the choice of resolved addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>

#include "core/names.h"

static void test_pool_sizes(void **state)
{
  (void)state;
  assert_int_equal(names_pool_max(4), 4);         /* chrony's default maxsources */
  assert_int_equal(names_pool_target(4), 8);      /* twice as many tentative */
  assert_int_equal(names_pool_max(0), 1);
  assert_int_equal(names_pool_target(1), 2);
  assert_int_equal(names_pool_max(16), 16);
  assert_int_equal(names_pool_target(8), 16);
  assert_int_equal(names_pool_target(9), 16);
  assert_int_equal(names_pool_max(1000), 16);
  assert_int_equal(names_pool_target(1000), 16);
}

static void test_retry_intervals(void **state)
{
  (void)state;
  static const double expected[] = {28, 56, 112, 224, 448, 896, 1792, 3584, 3584, 3584};
  int k = 0;
  for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
    assert_true(names_retry_delay(&k) == expected[i]);
  assert_int_equal(k, 9);
  /* A round started early (a new name) takes one step back first. */
  k = 4;
  k--;
  assert_true(names_retry_delay(&k) == 112.0);
  /* Everything resolved: the caller starts again from 0. */
  k = 0;
  assert_true(names_retry_delay(&k) == 28.0);
}

static void test_replace_holdoff(void **state)
{
  (void)state;
  assert_true(names_replace_holdoff(0) == 0.0);
  assert_true(names_replace_holdoff(UINT32_MAX) == 3584.0);
  double half = names_replace_holdoff(UINT32_MAX / 2);
  assert_true(half > 1791.9 && half < 1792.1);
}

static bool used_by_list(void *arg, const struct ip_addr *a)
{
  const struct ip_addr *used = arg;
  for (int i = 0; used[i].family != ADDR_UNSPEC; i++)
    if (addr_equal(&used[i], a))
      return true;
  return false;
}

static struct ip_addr ip(const char *s)
{
  struct ip_addr a;
  assert_true(addr_parse(s, &a));
  return a;
}

static void test_pick(void **state)
{
  (void)state;
  struct ip_addr addrs[] = {ip("192.0.2.1"), ip("192.0.2.2"), ip("2001:db8::3"),
                            ip("192.0.2.2"), ip("192.0.2.5")};
  struct ip_addr used[] = {ip("192.0.2.1"), {0}};
  struct ip_addr none[] = {{0}};
  struct ip_addr out[8];

  /* In order, in-use and repeated addresses skipped, up to max. */
  assert_int_equal(names_pick(addrs, 5, 0, used_by_list, used, out, 8), 3);
  assert_true(addr_equal(&out[0], &addrs[1]));
  assert_true(addr_equal(&out[1], &addrs[2]));
  assert_true(addr_equal(&out[2], &addrs[4]));
  assert_int_equal(names_pick(addrs, 5, 0, used_by_list, none, out, 2), 2);
  assert_true(addr_equal(&out[0], &addrs[0]));
  assert_true(addr_equal(&out[1], &addrs[1]));

  /* A start index wraps around. */
  assert_int_equal(names_pick(addrs, 5, 4, used_by_list, used, out, 2), 2);
  assert_true(addr_equal(&out[0], &addrs[4]));
  assert_true(addr_equal(&out[1], &addrs[1]));
  assert_int_equal(names_pick(addrs, 5, 0xFFFFFFFFu, used_by_list, none, out, 1), 1);
  assert_true(addr_equal(&out[0], &addrs[0xFFFFFFFFu % 5]));

  /* Nothing to pick, or nothing wanted. */
  struct ip_addr all_used[] = {ip("192.0.2.1"), ip("192.0.2.2"), ip("2001:db8::3"),
                               ip("192.0.2.5"), {0}};
  assert_int_equal(names_pick(addrs, 5, 0, used_by_list, all_used, out, 8), 0);
  assert_int_equal(names_pick(addrs, 0, 3, used_by_list, none, out, 8), 0);
  assert_int_equal(names_pick(addrs, 5, 0, used_by_list, none, out, 0), 0);
  assert_int_equal(names_pick(addrs, 5, 0, used_by_list, none, out, -1), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pool_sizes),
    cmocka_unit_test(test_retry_intervals),
    cmocka_unit_test(test_replace_holdoff),
    cmocka_unit_test(test_pick),
  };
  return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
