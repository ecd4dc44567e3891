#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/access.h"

static struct ip_addr A(const char *s)
{
  struct ip_addr a;
  assert_true(addr_parse(s, &a));
  return a;
}

static void add(struct access_table *t, const char *net, bool allow, bool all)
{
  struct ip_subnet n = {0};
  if (net)
    assert_true(subnet_parse(net, &n));
  assert_true(access_add(t, &n, allow, all));
}

static bool ok(const struct access_table *t, const char *addr)
{
  struct ip_addr a = A(addr);
  return access_check(t, &a);
}

static void test_default_deny(void **state)
{
  (void)state;
  struct access_table t;
  access_init(&t, false);
  assert_false(ok(&t, "127.0.0.1"));
  assert_false(ok(&t, "::1"));
  assert_false(access_any_allowed(&t, ADDR_INET4));
  access_free(&t);
}

static void test_bare_allow_covers_both_families(void **state)
{
  (void)state;
  struct access_table t;
  access_init(&t, false);
  add(&t, NULL, true, false);
  assert_true(ok(&t, "203.0.113.9"));
  assert_true(ok(&t, "2001:db8::1"));
  assert_true(access_any_allowed(&t, ADDR_INET6));
  access_free(&t);
}

static void test_shortened_subnet(void **state)
{
  (void)state;
  struct access_table t;
  access_init(&t, false);
  add(&t, "192.168.1", true, false);
  assert_true(ok(&t, "192.168.1.5"));
  assert_true(ok(&t, "192.168.1.255"));
  assert_false(ok(&t, "192.168.2.1"));
  assert_false(ok(&t, "10.0.0.1"));
  access_free(&t);
}

static void test_most_specific_wins_in_any_order(void **state)
{
  (void)state;
  struct access_table t;
  access_init(&t, false);
  add(&t, "192.168.1.5", false, false);
  add(&t, "192.168.1.0/24", true, false);
  assert_false(ok(&t, "192.168.1.5"));
  assert_true(ok(&t, "192.168.1.6"));
  add(&t, "192.168.0.0/16", false, false);
  assert_true(ok(&t, "192.168.1.6"));
  assert_false(ok(&t, "192.168.2.6"));
  access_free(&t);
}

static void test_allow_all_overrides_inner_rules(void **state)
{
  (void)state;
  struct access_table t;
  access_init(&t, false);
  add(&t, "10.1.0.0/16", false, false);
  add(&t, "10.1.2.3", false, false);
  add(&t, "10.0.0.0/8", true, false);
  assert_false(ok(&t, "10.1.2.3"));
  add(&t, "10.0.0.0/8", true, true);  /* allow all 10/8 */
  assert_true(ok(&t, "10.1.2.3"));
  assert_true(ok(&t, "10.1.9.9"));
  access_free(&t);
}

static void test_deny_all_overrides_everything(void **state)
{
  (void)state;
  struct access_table t;
  access_init(&t, false);
  add(&t, "127.0.0.1", true, false);
  add(&t, "::1", true, false);
  add(&t, NULL, false, true);  /* deny all */
  assert_false(ok(&t, "127.0.0.1"));
  assert_false(ok(&t, "::1"));
  assert_false(access_any_allowed(&t, ADDR_INET4));
  access_free(&t);
}

static void test_later_rule_for_same_subnet_replaces(void **state)
{
  (void)state;
  struct access_table t;
  access_init(&t, false);
  add(&t, "127.0.0.1", true, false);
  add(&t, "127.0.0.1/32", false, false);
  assert_false(ok(&t, "127.0.0.1"));
  assert_int_equal(t.n, 1);
  access_free(&t);
}

/* chrony's table has a level per 4 bits: a prefix between two levels sets
 * the subnets of the next one down, replacing what was there (110-chronyc:
 * deny 1.2.3.0/27 after allow 1.2.3.0/28 denies 1.2.3.5). */
static void test_prefix_between_levels_sets_the_next_level(void **state)
{
  (void)state;
  struct access_table t;
  access_init(&t, false);
  add(&t, NULL, false, true);
  add(&t, "1.2.3.4", true, false);
  add(&t, "1.2.3.0/28", true, false);
  add(&t, "1.2.3.0/27", false, false);
  assert_true(ok(&t, "1.2.3.4"));
  assert_false(ok(&t, "1.2.3.5"));
  assert_false(ok(&t, "1.2.3.20"));
  add(&t, "2001:db8::/64", true, false);
  add(&t, "2001:db8::/63", false, false);
  assert_false(ok(&t, "2001:db8::2"));
  assert_false(ok(&t, "2001:db8:0:1::2"));
  /* and "all" drops the rules inside each of them */
  add(&t, "10.0.0.0/28", true, false);
  add(&t, "10.0.0.16/28", true, false);
  add(&t, "10.0.0.0/26", false, true);
  add(&t, "10.0.0.0/24", true, false);
  assert_false(ok(&t, "10.0.0.1"));
  assert_false(ok(&t, "10.0.0.17"));
  assert_true(ok(&t, "10.0.0.65"));
  access_free(&t);
}

static void test_mapped_ipv4_checked_as_ipv4(void **state)
{
  (void)state;
  struct access_table t;
  access_init(&t, false);
  add(&t, "127.0.0.0/8", true, false);
  assert_true(ok(&t, "::ffff:127.0.0.2"));
  assert_false(ok(&t, "::ffff:10.0.0.2"));
  access_free(&t);
}

static void test_ipv6_subnet(void **state)
{
  (void)state;
  struct access_table t;
  access_init(&t, false);
  add(&t, "2001:db8::/32", true, false);
  assert_true(ok(&t, "2001:db8:1::1"));
  assert_false(ok(&t, "2001:db9::1"));
  assert_false(ok(&t, "32.1.13.184"));  /* same leading bytes, other family */
  assert_true(access_any_allowed(&t, ADDR_INET6));
  assert_false(access_any_allowed(&t, ADDR_INET4));
  access_free(&t);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_default_deny),
    cmocka_unit_test(test_bare_allow_covers_both_families),
    cmocka_unit_test(test_shortened_subnet),
    cmocka_unit_test(test_most_specific_wins_in_any_order),
    cmocka_unit_test(test_allow_all_overrides_inner_rules),
    cmocka_unit_test(test_deny_all_overrides_everything),
    cmocka_unit_test(test_later_rule_for_same_subnet_replaces),
    cmocka_unit_test(test_prefix_between_levels_sets_the_next_level),
    cmocka_unit_test(test_mapped_ipv4_checked_as_ipv4),
    cmocka_unit_test(test_ipv6_subnet),
  };
  return cmocka_run_group_tests_name("access", tests, NULL, NULL);
}
