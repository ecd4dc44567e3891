/* Tests of core/addr: addresses and subnets as chrony parses them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/addr.h"

static void assert_subnet(const char *in, const char *expected)
{
  struct ip_subnet n;
  char buf[ADDR_STR_LEN];
  if (!subnet_parse(in, &n))
    fail_msg("subnet_parse(\"%s\") failed", in);
  assert_string_equal(subnet_format(&n, buf), expected);
}

static void assert_bad_subnet(const char *in)
{
  struct ip_subnet n;
  if (subnet_parse(in, &n))
    fail_msg("subnet_parse(\"%s\") accepted", in);
}

static void assert_addr(const char *in, const char *expected)
{
  struct ip_addr a;
  char buf[ADDR_STR_LEN];
  if (!addr_parse(in, &a))
    fail_msg("addr_parse(\"%s\") failed", in);
  assert_string_equal(addr_format(&a, buf), expected);
}

static void assert_bad_addr(const char *in)
{
  struct ip_addr a;
  if (addr_parse(in, &a))
    fail_msg("addr_parse(\"%s\") accepted", in);
}

static void test_addr_accepts(void **state)
{
  (void)state;
  assert_addr("192.168.1.1", "192.168.1.1");
  assert_addr("0.0.0.0", "0.0.0.0");
  assert_addr("255.255.255.255", "255.255.255.255");
  assert_addr("::1", "::1");
  assert_addr("::", "::");
  assert_addr("2001:DB8::1", "2001:db8::1");
  assert_addr("::ffff:1.2.3.4", "::ffff:1.2.3.4");
  struct ip_addr a;
  assert_true(addr_parse("10.0.0.1", &a));
  assert_int_equal(a.family, ADDR_INET4);
  assert_true(addr_parse("fe80::1", &a));
  assert_int_equal(a.family, ADDR_INET6);
}

static void test_addr_rejects(void **state)
{
  (void)state;
  assert_bad_addr("");
  assert_bad_addr("256.1.1.1");
  assert_bad_addr("1.2.3.256");
  assert_bad_addr("1.2.3.4.5");
  assert_bad_addr("1.2.3");
  assert_bad_addr("1.2.3.4x");
  assert_bad_addr(" 1.2.3.4");
  assert_bad_addr("1.2.3.4/32");
  assert_bad_addr("example.com");
  assert_bad_addr("::1::2");
  assert_bad_addr("12345::");
  assert_bad_addr(":");
}

static void test_subnet_full_forms(void **state)
{
  (void)state;
  assert_subnet("1.2.3.4", "1.2.3.4/32");
  assert_subnet("1.2.3.4/24", "1.2.3.0/24");       /* host bits are masked */
  assert_subnet("1.2.3.255/25", "1.2.3.128/25");
  assert_subnet("10.20.30.40/0", "0.0.0.0/0");
  assert_subnet("10.20.30.40/32", "10.20.30.40/32");
  assert_subnet("172.31.255.255/12", "172.16.0.0/12");
  assert_subnet("::1", "::1/128");
  assert_subnet("::1/64", "::/64");
  assert_subnet("2001:db8:ffff::1/32", "2001:db8::/32");
  assert_subnet("2001:db8::ff/127", "2001:db8::fe/127");
  assert_subnet("::/0", "::/0");
  assert_subnet("2001:db8::1/128", "2001:db8::1/128");
}

static void test_subnet_shortened(void **state)
{
  (void)state;
  assert_subnet("192.168.1", "192.168.1.0/24");
  assert_subnet("192.168", "192.168.0.0/16");
  assert_subnet("10", "10.0.0.0/8");
  assert_subnet("0", "0.0.0.0/8");
  assert_subnet("0/0", "0.0.0.0/0");
  assert_subnet("192.168/24", "192.168.0.0/24");
  assert_subnet("10/12", "10.0.0.0/12");
  assert_subnet("192.168.1/16", "192.168.0.0/16");  /* explicit bits win, masked */
  assert_subnet("1.2.3/32", "1.2.3.0/32");
  assert_subnet("010", "10.0.0.0/8");              /* decimal, as chrony's %u */
}

static void test_subnet_rejects(void **state)
{
  (void)state;
  assert_bad_subnet("");
  assert_bad_subnet("/24");
  assert_bad_subnet("256.1.1.1");
  assert_bad_subnet("300.1.1.1");
  assert_bad_subnet("256");
  assert_bad_subnet("1.256");
  assert_bad_subnet("1.2.3.4.5");
  assert_bad_subnet("1.2.3.4.5/32");
  assert_bad_subnet("1.2.3.04");     /* inet_pton refuses it, and 4 numbers are no short form */
  assert_bad_subnet("1.2.3.");
  assert_bad_subnet(".1.2.3");
  assert_bad_subnet("1..2");
  assert_bad_subnet("1.2.3.4/33");
  assert_bad_subnet("1.2.3.4/-1");
  assert_bad_subnet("1.2.3.4/abc");
  assert_bad_subnet("1.2.3.4/");
  assert_bad_subnet("1.2.3.4/8x");
  assert_bad_subnet("1.2.3.4/ 8");
  assert_bad_subnet("1.2.3.4/99999999999999999999");
  assert_bad_subnet("1.2.3.4x");
  assert_bad_subnet("1.2.3.4 ");
  assert_bad_subnet("10x");
  assert_bad_subnet("-1");
  assert_bad_subnet("+1");
  assert_bad_subnet("::1/129");
  assert_bad_subnet("::1/-1");
  assert_bad_subnet("::1/");
  assert_bad_subnet(":::1");
  assert_bad_subnet("2001:db8::g");
  assert_bad_subnet("example.com");
  assert_bad_subnet("1.2.3.4/24/8");
  char longer[100];
  memset(longer, '1', sizeof(longer) - 1);
  longer[sizeof(longer) - 1] = '\0';
  assert_bad_subnet(longer);
}

static void test_subnet_contains(void **state)
{
  (void)state;
  struct ip_subnet n;
  struct ip_addr a;
  assert_true(subnet_parse("192.168.1", &n));
  assert_true(addr_parse("192.168.1.77", &a));
  assert_true(subnet_contains(&n, &a));
  assert_true(addr_parse("192.168.2.1", &a));
  assert_false(subnet_contains(&n, &a));
  assert_true(addr_parse("::ffff:192.168.1.77", &a));
  assert_false(subnet_contains(&n, &a));             /* other family */
  struct ip_addr v4 = addr_unmap_v4(&a);
  assert_true(subnet_contains(&n, &v4));
  assert_true(subnet_parse("0/0", &n));
  assert_true(subnet_contains(&n, &v4));
  assert_true(subnet_parse("2001:db8::/32", &n));
  assert_true(addr_parse("2001:db8:1::5", &a));
  assert_true(subnet_contains(&n, &a));
  assert_true(addr_parse("2001:db9::5", &a));
  assert_false(subnet_contains(&n, &a));
}

static void test_equal_and_hash(void **state)
{
  (void)state;
  struct ip_addr a, b, unspec = {0};
  assert_true(addr_parse("1.2.3.4", &a));
  assert_true(addr_parse("1.2.3.4", &b));
  assert_true(addr_equal(&a, &b));
  assert_int_equal(addr_hash(&a, 7), addr_hash(&b, 7));
  assert_true(addr_parse("1.2.3.5", &b));
  assert_false(addr_equal(&a, &b));
  assert_false(addr_equal(&unspec, &unspec));
  char buf[ADDR_STR_LEN];
  assert_string_equal(addr_format(&unspec, buf), "[UNSPEC]");
}

/* RFC 5905 / chrony: IPv4 itself, IPv6 the first four bytes of its MD5 (the
 * expected values computed with Python's hashlib). */
static void test_refid(void **state)
{
  struct ip_addr a;
  (void)state;
  assert_true(addr_parse("127.0.0.1", &a));
  assert_int_equal(addr_refid(&a), 0x7F000001);
  assert_true(addr_parse("2001:db8::1", &a));
  assert_int_equal(addr_refid(&a), 0x39ab9b37);
  assert_true(addr_parse("::1", &a));
  assert_int_equal(addr_refid(&a), 0xcf404dc8);
}

/* A placeholder's address (chronyd's IPADDR_ID): its number, printed as
 * chronyd prints it, equal only to itself, never parsed. */
static void test_placeholder_id(void **state)
{
  (void)state;
  char buf[ADDR_STR_LEN];
  struct ip_addr a = addr_from_id(1), b = addr_from_id(4294967295u), v4;
  assert_int_equal(a.family, ADDR_ID);
  assert_string_equal(addr_format(&a, buf), "ID#0000000001");
  assert_string_equal(addr_format(&b, buf), "ID#4294967295");
  assert_int_equal(addr_id(&b), 4294967295u);
  assert_true(addr_equal(&a, &(struct ip_addr){.family = ADDR_ID, .bytes = {0, 0, 0, 1}}));
  assert_false(addr_equal(&a, &b));
  assert_true(addr_parse("0.0.0.1", &v4));
  assert_false(addr_equal(&a, &v4));
  assert_int_equal(addr_id(&v4), 0);
  assert_false(addr_parse("ID#0000000001", &v4));
}

static void test_format_named(void **state)
{
  struct ip_addr a;
  char buf[64], small[12];
  (void)state;
  assert_true(addr_parse("::1", &a));
  assert_string_equal(addr_format_named(&a, "0:0:0:0:0:0:0:1", buf, sizeof(buf)),
                      "::1 (0:0:0:0:0:0:0:1)");
  assert_string_equal(addr_format_named(&a, "::1", buf, sizeof(buf)), "::1");
  assert_string_equal(addr_format_named(&a, "", buf, sizeof(buf)), "::1");
  assert_string_equal(addr_format_named(&a, "a.long.name", small, sizeof(small)), "::1 (a.long");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_addr_accepts),
    cmocka_unit_test(test_addr_rejects),
    cmocka_unit_test(test_subnet_full_forms),
    cmocka_unit_test(test_subnet_shortened),
    cmocka_unit_test(test_subnet_rejects),
    cmocka_unit_test(test_subnet_contains),
    cmocka_unit_test(test_equal_and_hash),
    cmocka_unit_test(test_refid),
    cmocka_unit_test(test_placeholder_id),
    cmocka_unit_test(test_format_named),
  };
  return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
