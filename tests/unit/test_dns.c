/* dns: the conversion of c-ares results, and lookups on a real loop that
 * need no name server (literal addresses): answers come later from the
 * loop, never from inside dns_resolve, and a freed resolver calls nothing.
 * Failing lookups need a name server: tests/interop/test_pool.py gives
 * stratumd one on loopback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "sys/dns.h"
#include "sys/loop.h"

#define MAX_NODES 8
#define WAIT_LIMIT 2.0          /* s: a lookup that needs no server */

struct nodes {
  struct ares_addrinfo_node n[MAX_NODES];
  struct sockaddr_in6 sa[MAX_NODES];   /* big enough for either family */
  int count;
};

static void add_node(struct nodes *ns, int family, const char *text)
{
  struct ares_addrinfo_node *n = &ns->n[ns->count];
  struct sockaddr_in6 *sa = &ns->sa[ns->count];
  memset(n, 0, sizeof(*n));
  memset(sa, 0, sizeof(*sa));
  n->ai_family = family;
  n->ai_addr = (struct sockaddr *)sa;
  if (family == AF_INET) {
    struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
    s4->sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, text, &s4->sin_addr), 1);
    n->ai_addrlen = sizeof(*s4);
  } else if (family == AF_INET6) {
    sa->sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, text, &sa->sin6_addr), 1);
    n->ai_addrlen = sizeof(*sa);
  } else {
    n->ai_addrlen = sizeof(*sa);
  }
  if (ns->count > 0)
    ns->n[ns->count - 1].ai_next = n;
  ns->count++;
}

static struct ip_addr ip(const char *s)
{
  struct ip_addr a;
  assert_true(addr_parse(s, &a));
  return a;
}

static void test_collect(void **state)
{
  (void)state;
  struct nodes ns = {.count = 0};
  struct ip_addr out[PLAT_RESOLVE_MAX];
  add_node(&ns, AF_INET, "192.0.2.1");
  add_node(&ns, AF_INET6, "2001:db8::1");
  add_node(&ns, AF_UNIX, NULL);             /* not an IP address: skipped */
  add_node(&ns, AF_INET, "192.0.2.1");      /* again (e.g. hosts file and DNS) */
  add_node(&ns, AF_INET, "192.0.2.2");

  assert_int_equal(dns_collect(ns.n, ADDR_UNSPEC, out, PLAT_RESOLVE_MAX), 3);
  struct ip_addr a = ip("192.0.2.1"), b = ip("2001:db8::1"), c = ip("192.0.2.2");
  assert_true(addr_equal(&out[0], &a));
  assert_true(addr_equal(&out[1], &b));
  assert_true(addr_equal(&out[2], &c));

  assert_int_equal(dns_collect(ns.n, ADDR_INET4, out, PLAT_RESOLVE_MAX), 2);
  assert_true(addr_equal(&out[1], &c));
  assert_int_equal(dns_collect(ns.n, ADDR_INET6, out, PLAT_RESOLVE_MAX), 1);
  assert_true(addr_equal(&out[0], &b));
  assert_int_equal(dns_collect(ns.n, ADDR_UNSPEC, out, 1), 1);
  assert_int_equal(dns_collect(NULL, ADDR_UNSPEC, out, PLAT_RESOLVE_MAX), 0);

  /* A truncated socket address is not read. */
  ns.n[0].ai_addrlen = 2;
  ns.n[1].ai_addrlen = sizeof(struct sockaddr_in);
  assert_int_equal(dns_collect(ns.n, ADDR_UNSPEC, out, PLAT_RESOLVE_MAX), 2);
  assert_true(addr_equal(&out[0], &a));
  assert_true(addr_equal(&out[1], &c));
}

struct answer {
  struct loop *loop;
  int calls;
  int n;
  struct ip_addr addrs[PLAT_RESOLVE_MAX];
};

static void on_answer(void *arg, const struct ip_addr *addrs, int n, const char *error)
{
  struct answer *a = arg;
  a->calls++;
  a->n = n;
  memcpy(a->addrs, addrs, (size_t)n * sizeof(addrs[0]));
  assert_true((n > 0) == (error == NULL));
  loop_quit(a->loop, 0);
}

static void on_limit(void *arg)
{
  loop_quit(arg, 1);
}

static void test_literal_answered_from_the_loop(void **state)
{
  (void)state;
  struct loop *l = loop_new();
  struct dns *d = dns_new(l);
  struct answer ans = {.loop = l};
  assert_non_null(d);

  assert_true(dns_resolve(d, "192.0.2.7", ADDR_UNSPEC, 4, on_answer, &ans) > 0);
  assert_int_equal(ans.calls, 0);
  uint64_t limit = loop_add_timer(l, WAIT_LIMIT, on_limit, l);
  assert_int_equal(loop_run(l), 0);
  loop_cancel_timer(l, limit);
  assert_int_equal(ans.calls, 1);
  assert_int_equal(ans.n, 1);
  struct ip_addr want = ip("192.0.2.7");
  assert_true(addr_equal(&ans.addrs[0], &want));

  assert_int_equal(dns_resolve(d, "192.0.2.7", ADDR_UNSPEC, 0, on_answer, &ans), -EINVAL);
  assert_int_equal(dns_resolve(d, "192.0.2.7", ADDR_UNSPEC, PLAT_RESOLVE_MAX + 1, on_answer, &ans),
                   -EINVAL);
  dns_free(d);
  loop_free(l);
}

static void test_free_abandons_lookups(void **state)
{
  (void)state;
  struct loop *l = loop_new();
  struct dns *d = dns_new(l);
  struct answer ans = {.loop = l};
  assert_true(dns_resolve(d, "2001:db8::9", ADDR_UNSPEC, 1, on_answer, &ans) > 0);
  dns_free(d);
  /* Nothing of the resolver is left in the loop. */
  loop_add_timer(l, 0.05, on_limit, l);
  assert_int_equal(loop_run(l), 1);
  assert_int_equal(ans.calls, 0);
  loop_free(l);
}

static void test_cancelled_lookup_is_not_answered(void **state)
{
  (void)state;
  struct loop *l = loop_new();
  struct dns *d = dns_new(l);
  struct answer ans = {.loop = l};
  int64_t first = dns_resolve(d, "192.0.2.7", ADDR_UNSPEC, 1, on_answer, &ans);
  assert_true(first > 0);
  dns_cancel(d, first);
  assert_true(dns_resolve(d, "192.0.2.8", ADDR_UNSPEC, 1, on_answer, &ans) > first);
  uint64_t limit = loop_add_timer(l, WAIT_LIMIT, on_limit, l);
  assert_int_equal(loop_run(l), 0);
  loop_cancel_timer(l, limit);
  assert_int_equal(ans.calls, 1);          /* the second one only */
  struct ip_addr want = ip("192.0.2.8");
  assert_true(addr_equal(&ans.addrs[0], &want));
  dns_free(d);
  loop_free(l);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_collect),
    cmocka_unit_test(test_literal_answered_from_the_loop),
    cmocka_unit_test(test_free_abandons_lookups),
    cmocka_unit_test(test_cancelled_lookup_is_not_answered),
  };
  return cmocka_run_group_tests_name("dns", tests, NULL, NULL);
}
