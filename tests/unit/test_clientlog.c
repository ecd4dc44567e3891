/* clientlog: chrony's client log and rate limiting: table bounds and
 * eviction, interval estimates, the token bucket, leak, KoD, the index walk
 * of chronyc clients, reset, noclientlog. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/clientlog.h"

#define T0 1700000000

static struct ip_addr v4(unsigned n)
{
  struct ip_addr a = {.family = ADDR_INET4};
  a.bytes[0] = 10;
  a.bytes[1] = (uint8_t)(n >> 16);
  a.bytes[2] = (uint8_t)(n >> 8);
  a.bytes[3] = (uint8_t)n;
  return a;
}

static struct timespec at(double t)
{
  struct timespec ts = {.tv_sec = T0 + (time_t)t};
  ts.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
  return ts;
}

static struct clog_params params(uint64_t limit)
{
  struct clog_params p;
  memset(&p, 0, sizeof(p));
  p.active = true;
  p.limit = limit;
  p.seed = 12345;
  return p;
}

static struct clog_ratelimit limit_of(int interval, int burst, int leak)
{
  return (struct clog_ratelimit){.enabled = true, .interval = interval, .burst = burst,
                                 .leak = leak};
}

/* The report of address a, walking every index; false if not logged. */
static bool find(struct clientlog *l, const struct ip_addr *a, double t, struct clog_report *r)
{
  struct timespec now = at(t);
  for (int i = 0; i < clog_n_indices(l); i++)
    if (clog_report(l, (uint32_t)i, false, 0, &now, r) && addr_equal(&r->addr, a))
      return true;
  return false;
}

static unsigned count_records(struct clientlog *l)
{
  struct timespec now = at(0);
  struct clog_report r;
  unsigned n = 0;
  for (int i = 0; i < clog_n_indices(l); i++)
    n += clog_report(l, (uint32_t)i, false, 0, &now, &r);
  return n;
}

/* One NTP request: logged, then limited. */
static enum clog_verdict ntp(struct clientlog *l, const struct ip_addr *a, double t)
{
  struct timespec now = at(t);
  int index = clog_access(l, CLOG_NTP, a, &now);
  assert_true(index >= 0);
  return clog_limit(l, CLOG_NTP, index);
}

static void test_default_limit_holds_4096_records(void **state)
{
  (void)state;
  struct clog_params p = params(CLOG_DEFAULT_LIMIT);
  struct clientlog *l = clog_new(&p);
  assert_non_null(l);
  assert_int_equal(clog_max_records(l), 4096);
  assert_int_equal(clog_n_indices(l), CLOG_SLOT_SIZE);     /* starts with one slot */
  for (unsigned i = 0; i < 100000; i++) {
    struct ip_addr a = v4(i);
    struct timespec now = at(i * 0.001);
    assert_true(clog_access(l, CLOG_NTP, &a, &now) >= 0);
  }
  assert_int_equal(clog_n_indices(l), 4096);
  assert_int_equal(count_records(l), 4096);
  assert_true(clog_memory(l) * 3 / 2 <= CLOG_DEFAULT_LIMIT);
  struct clog_totals t;
  clog_get_totals(l, &t);
  assert_int_equal(t.hits[CLOG_NTP], 100000);
  assert_int_equal(t.record_drops, 100000 - 4096);
  clog_free(l);
}

static void test_limit_rounds_down_to_a_power_of_two(void **state)
{
  (void)state;
  static const struct {
    uint64_t limit;
    uint32_t records;
  } cases[] = {{0, 16}, {1919, 16}, {1920, 16}, {3840, 32}, {5759, 32}, {7680, 64},
               {1048576, 8192}, {UINT64_MAX, CLOG_MAX_RECORDS}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct clog_params p = params(cases[i].limit);
    struct clientlog *l = clog_new(&p);
    assert_non_null(l);
    assert_int_equal(clog_max_records(l), cases[i].records);
    clog_free(l);
  }
}

/* A full slot loses the record whose last hit is oldest; on a tie, the
 * one with fewest hits. */
static void test_full_table_replaces_the_stalest(void **state)
{
  (void)state;
  struct clog_params p = params(0);                /* one slot of 16 */
  struct clientlog *l = clog_new(&p);
  struct clog_report r;
  for (unsigned i = 0; i < 16; i++) {
    struct ip_addr a = v4(i);
    ntp(l, &a, 10.0 + i);
  }
  struct ip_addr a0 = v4(0), a1 = v4(1), a2 = v4(2), n1 = v4(100), n2 = v4(101);
  ntp(l, &a0, 30.0);                               /* 0 is fresh again: 1 is the stalest */
  ntp(l, &n1, 31.0);
  assert_true(find(l, &a0, 32.0, &r));
  assert_false(find(l, &a1, 32.0, &r));
  assert_true(find(l, &n1, 32.0, &r));
  assert_int_equal(r.hits[CLOG_NTP], 1);
  /* 2 and 3 tie on their last hit (12 s); 3 has more hits, so 2 goes */
  struct ip_addr a3 = v4(3);
  struct timespec t12 = at(12.0);
  clog_access(l, CLOG_NTP, &a3, &t12);
  ntp(l, &n2, 33.0);
  assert_false(find(l, &a2, 34.0, &r));
  assert_true(find(l, &a3, 34.0, &r));
  assert_int_equal(count_records(l), 16);
  struct clog_totals t;
  clog_get_totals(l, &t);
  assert_int_equal(t.record_drops, 2);
  clog_free(l);
}

/* The table grows before it replaces anything, and keeps every record. */
static void test_growth_keeps_records(void **state)
{
  (void)state;
  struct clog_params p = params(8 * 1920);         /* 8 slots, 128 records */
  struct clientlog *l = clog_new(&p);
  struct clog_report r;
  for (unsigned i = 0; i < 60; i++) {
    struct ip_addr a = v4(i * 7919);
    for (unsigned k = 0; k <= i % 3; k++)
      ntp(l, &a, i + k * 0.1);
  }
  assert_true(clog_n_indices(l) >= 64);
  for (unsigned i = 0; i < 60; i++) {
    struct ip_addr a = v4(i * 7919);
    assert_true(find(l, &a, 100.0, &r));
    assert_int_equal(r.hits[CLOG_NTP], i % 3 + 1);
  }
  struct clog_totals t;
  clog_get_totals(l, &t);
  assert_int_equal(t.record_drops, 0);
  clog_free(l);
}

/* chronyc's Int: log2 of the interval between requests, rounded. */
static void test_interval_estimates(void **state)
{
  (void)state;
  static const struct {
    double step;
    int interval;
  } cases[] = {{1.0, 0}, {8.0, 3}, {64.0, 6}, {1024.0, 10}, {0.25, -2}, {0.0625, -4},
               {3.0, 2}, {5.0, 2}, {6.0, 3}, {0.0, -5}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct clog_params p = params(CLOG_DEFAULT_LIMIT);
    struct clientlog *l = clog_new(&p);
    struct ip_addr a = v4(1);
    struct clog_report r;
    for (int k = 0; k < 40; k++)
      ntp(l, &a, k * cases[i].step);
    assert_true(find(l, &a, 39 * cases[i].step, &r));
    if (r.interval[CLOG_NTP] != cases[i].interval)
      fail_msg("step %g: interval %d, want %d", cases[i].step, r.interval[CLOG_NTP],
               cases[i].interval);
    assert_int_equal(r.last_ago[CLOG_NTP], 0);
    assert_int_equal(r.interval[CLOG_CMD], CLOG_NO_INTERVAL);
    assert_int_equal(r.last_ago[CLOG_CMD], CLOG_NEVER);
    assert_int_equal(r.ntp_timeout_interval, CLOG_NO_INTERVAL);
    clog_free(l);
  }
}

/* The request rate rises a quarter step a request and falls at least half
 * way at once: the interval shortens slowly and lengthens fast. One request
 * has no estimate. */
static void test_interval_follows_changes(void **state)
{
  (void)state;
  struct clog_params p = params(CLOG_DEFAULT_LIMIT);
  struct clientlog *l = clog_new(&p);
  struct ip_addr a = v4(1);
  struct clog_report r;
  ntp(l, &a, 0.0);
  assert_true(find(l, &a, 5.0, &r));
  assert_int_equal(r.interval[CLOG_NTP], CLOG_NO_INTERVAL);
  assert_int_equal(r.last_ago[CLOG_NTP], 5);
  double t = 0.0;
  for (int k = 0; k < 20; k++)
    ntp(l, &a, t += 64.0);
  assert_true(find(l, &a, t, &r));
  assert_int_equal(r.interval[CLOG_NTP], 6);
  ntp(l, &a, t += 1.0);                            /* one quick request changes little */
  assert_true(find(l, &a, t, &r));
  assert_int_equal(r.interval[CLOG_NTP], 6);
  for (int k = 0; k < 40; k++)                     /* 24 quarter steps to 1 s */
    ntp(l, &a, t += 1.0);
  assert_true(find(l, &a, t, &r));
  assert_int_equal(r.interval[CLOG_NTP], 0);
  ntp(l, &a, t += 64.0);                           /* back to 64 s: most of the way at once */
  assert_true(find(l, &a, t, &r));
  assert_int_equal(r.interval[CLOG_NTP], 4);
  ntp(l, &a, t += 64.0);
  ntp(l, &a, t += 64.0);
  assert_true(find(l, &a, t, &r));
  assert_int_equal(r.interval[CLOG_NTP], 6);
  clog_free(l);
}

/* The bucket: burst answers at once, then one per 2^interval s. */
static void test_token_bucket(void **state)
{
  (void)state;
  struct clog_params p = params(CLOG_DEFAULT_LIMIT);
  p.rate[CLOG_NTP] = limit_of(1, 4, 4);
  struct clientlog *l = clog_new(&p);
  struct ip_addr a = v4(1), b = v4(2);
  assert_int_equal(clog_min_poll(l), 1);
  for (int k = 0; k < 4; k++)
    assert_int_equal(ntp(l, &a, 0.0), CLOG_PASS);  /* the burst */
  int passes = 0;
  for (int k = 0; k < 96; k++)
    passes += ntp(l, &a, 0.0) == CLOG_PASS;
  assert_true(passes < 20);                        /* only the 1 in 16 leak */
  /* another address has its own bucket */
  for (int k = 0; k < 4; k++)
    assert_int_equal(ntp(l, &b, 0.0), CLOG_PASS);
  /* 8 s later the bucket is full again: 4 answers for sure */
  for (int k = 0; k < 4; k++)
    assert_int_equal(ntp(l, &a, 8.0), CLOG_PASS);
  /* a steady client at the limit, every 2 s, is always answered */
  struct ip_addr c = v4(3);
  for (int k = 0; k < 200; k++)
    assert_int_equal(ntp(l, &c, 100.0 + 2.0 * k), CLOG_PASS);
  struct clog_report r;
  assert_true(find(l, &a, 8.0, &r));
  assert_int_equal(r.hits[CLOG_NTP], 104);
  assert_int_equal(r.drops[CLOG_NTP], 96 - passes);
  struct clog_totals t;
  clog_get_totals(l, &t);
  assert_int_equal(t.drops[CLOG_NTP], 96 - passes);
  assert_int_equal(t.drops[CLOG_CMD], 0);
  clog_free(l);
}

/* A burst of 100 under `ratelimit interval 1 burst 4 leak 2`: the burst
 * plus about a quarter of the rest. */
static void test_burst_with_leak(void **state)
{
  (void)state;
  struct clog_params p = params(CLOG_DEFAULT_LIMIT);
  p.rate[CLOG_NTP] = limit_of(1, 4, 2);
  struct clientlog *l = clog_new(&p);
  struct ip_addr a = v4(1);
  int passes = 0;
  for (int k = 0; k < 100; k++)
    passes += ntp(l, &a, k * 0.001) == CLOG_PASS;
  assert_true(passes >= 4 + 10 && passes <= 4 + 40);
  clog_free(l);
}

/* One request a second for 1000 s under `ratelimit interval 3 burst 8
 * leak 2`. chrony's model: after an answer the bucket is empty; the next
 * 7 requests are answered with probability 1/4 each (an answer empties
 * the bucket again), the 8th for sure: on average an answer every
 * sum(0.75^k, k = 0..7) = 3.60 s, plus the first burst. */
static void test_one_per_second_gets_chronys_share(void **state)
{
  (void)state;
  double expected = 8 + 992 / 3.5995, sum = 0;
  for (uint64_t seed = 1; seed <= 10; seed++) {
    struct clog_params p = params(CLOG_DEFAULT_LIMIT);
    p.seed = seed;
    p.rate[CLOG_NTP] = limit_of(3, 8, 2);
    struct clientlog *l = clog_new(&p);
    struct ip_addr a = v4(1);
    int passes = 0;
    for (int k = 0; k < 1000; k++)
      passes += ntp(l, &a, k) == CLOG_PASS;
    if (passes < expected * 0.85 || passes > expected * 1.15)
      fail_msg("seed %llu: %d answers, expected %.0f", (unsigned long long)seed, passes,
               expected);
    sum += passes;
    clog_free(l);
  }
  if (sum / 10 < expected * 0.95 || sum / 10 > expected * 1.05)
    fail_msg("%.1f answers on average, expected %.1f", sum / 10, expected);
}

/* Without tokens, one in 2^leak requests is answered. */
static void test_leak_rates(void **state)
{
  (void)state;
  for (int leak = 1; leak <= 4; leak++) {
    struct clog_params p = params(CLOG_DEFAULT_LIMIT);
    p.rate[CLOG_NTP] = limit_of(12, 1, leak);
    struct clientlog *l = clog_new(&p);
    struct ip_addr a = v4(1);
    int passes = 0;
    for (int k = 0; k < 20000; k++)
      passes += ntp(l, &a, k * 0.0625) == CLOG_PASS;
    double expected = 20000.0 / (1 << leak);
    if (passes < expected * 0.9 || passes > expected * 1.1)
      fail_msg("leak %d: %d answers, expected %.0f", leak, passes, expected);
    clog_free(l);
  }
  /* out-of-range leaks are clamped to 1..4 */
  struct clog_params p = params(CLOG_DEFAULT_LIMIT);
  p.rate[CLOG_NTP] = limit_of(12, 1, 9);
  struct clientlog *l = clog_new(&p);
  struct ip_addr a = v4(1);
  int passes = 0;
  for (int k = 0; k < 20000; k++)
    passes += ntp(l, &a, k * 0.0625) == CLOG_PASS;
  assert_true(passes > 20000 / 16 * 0.9 && passes < 20000 / 16 * 1.1);
  clog_free(l);
}

/* A client that asks much faster while it gets no answers is answered
 * mostly: fewer packets than its retries. */
static void test_faster_retries_give_up_limiting(void **state)
{
  (void)state;
  struct clog_params p = params(CLOG_DEFAULT_LIMIT);
  p.rate[CLOG_NTP] = limit_of(6, 1, 2);
  struct clientlog *l = clog_new(&p);
  struct ip_addr a = v4(1);
  double t = 0.0;
  int passes = 0, n = 0;
  for (int k = 0; k < 2000; k++) {
    enum clog_verdict v = ntp(l, &a, t);
    passes += v == CLOG_PASS;
    n++;
    t += v == CLOG_PASS ? 4.0 : 0.0625;            /* answered: waits; not: retries at once */
  }
  struct clog_report r;
  assert_true(find(l, &a, t, &r));
  assert_true(r.ntp_timeout_interval < r.interval[CLOG_NTP]);
  assert_true(passes > n / 2);
  clog_free(l);
}

/* kod K: one in 2^K of the requests that would be dropped gets a KoD. */
static void test_kod(void **state)
{
  (void)state;
  struct clog_params p = params(CLOG_DEFAULT_LIMIT);
  p.rate[CLOG_NTP] = limit_of(12, 1, 2);
  p.rate[CLOG_NTP].kod = 1;
  struct clientlog *l = clog_new(&p);
  struct ip_addr a = v4(1);
  int counts[3] = {0};
  for (int k = 0; k < 8000; k++)
    counts[ntp(l, &a, k * 0.0625)]++;
  /* 3/4 would be dropped, half of those get a KoD */
  assert_true(counts[CLOG_KOD] > 8000 * 3 / 8 * 0.85 && counts[CLOG_KOD] < 8000 * 3 / 8 * 1.15);
  assert_true(counts[CLOG_DROP] > 8000 * 3 / 8 * 0.85 &&
              counts[CLOG_DROP] < 8000 * 3 / 8 * 1.15);
  struct clog_totals t;
  clog_get_totals(l, &t);
  assert_int_equal(t.drops[CLOG_NTP], counts[CLOG_DROP]);   /* a KoD is an answer */
  clog_free(l);
}

/* As chronyd, a client's drops (chronyc clients) count to 65535 and wrap;
 * serverstats' total does not. */
static void test_client_drops_wrap_as_chronyds(void **state)
{
  (void)state;
  struct clog_params p = params(CLOG_DEFAULT_LIMIT);
  p.rate[CLOG_NTP] = limit_of(12, 1, 4);
  struct clientlog *l = clog_new(&p);
  struct ip_addr a = v4(1);
  unsigned drops = 0;
  for (int k = 0; drops < 70000; k++)
    drops += ntp(l, &a, k * 0.001) == CLOG_DROP;
  struct clog_totals t;
  clog_get_totals(l, &t);
  assert_int_equal(t.drops[CLOG_NTP], drops);
  struct clog_report r;
  assert_true(find(l, &a, 100.0, &r));
  assert_int_equal(r.drops[CLOG_NTP], drops - 65536);
  assert_true(r.hits[CLOG_NTP] > drops);
  clog_free(l);
}

/* Commands have their own bucket; intervals below a tick limit coarsely. */
static void test_services_are_separate(void **state)
{
  (void)state;
  struct clog_params p = params(CLOG_DEFAULT_LIMIT);
  p.rate[CLOG_NTP] = limit_of(12, 1, 4);
  p.rate[CLOG_CMD] = limit_of(-19, 1, 4);          /* 2^19 per s: bursts of 2^15 */
  struct clientlog *l = clog_new(&p);
  struct ip_addr a = v4(1);
  struct timespec now = at(0);
  assert_int_equal(ntp(l, &a, 0.0), CLOG_PASS);
  for (int k = 0; k < 32768; k++) {
    int i = clog_access(l, CLOG_CMD, &a, &now);
    assert_int_equal(clog_limit(l, CLOG_CMD, i), CLOG_PASS);
  }
  struct clog_report r;
  assert_true(find(l, &a, 0.0, &r));
  assert_int_equal(r.hits[CLOG_CMD], 32768);
  assert_int_equal(r.hits[CLOG_NTP], 1);
  assert_int_equal(r.interval[CLOG_CMD], -5);       /* all in one tick */
  assert_int_equal(r.last_ago[CLOG_CMD], 0);
  clog_free(l);
}

/* The index walk of chronyc clients: every record once, min_hits, reset. */
static void test_index_walk_and_reset(void **state)
{
  (void)state;
  struct clog_params p = params(CLOG_DEFAULT_LIMIT);
  struct clientlog *l = clog_new(&p);
  struct timespec now = at(100.0);
  for (unsigned i = 0; i < 50; i++) {
    struct ip_addr a = v4(i);
    for (unsigned k = 0; k < (i % 5 == 0 ? 3u : 1u); k++)
      ntp(l, &a, i + k * 0.5);
  }
  struct ip_addr c = v4(7);
  clog_access(l, CLOG_CMD, &c, &now);
  clog_access(l, CLOG_CMD, &c, &now);
  clog_access(l, CLOG_CMD, &c, &now);
  bool seen[50] = {false};
  unsigned n = 0, busy = 0;
  struct clog_report r;
  for (int i = 0; i < clog_n_indices(l); i++) {
    if (clog_report(l, (uint32_t)i, false, 0, &now, &r)) {
      unsigned id = r.addr.bytes[3];
      assert_false(seen[id]);
      seen[id] = true;
      n++;
    }
    busy += clog_report(l, (uint32_t)i, false, 3, &now, &r);
  }
  assert_int_equal(n, 50);
  assert_int_equal(busy, 11);                      /* 0, 5, ... 45 by NTP; 7 by commands */
  assert_false(clog_report(l, (uint32_t)clog_n_indices(l), false, 0, &now, &r));
  assert_false(clog_report(l, UINT32_MAX, false, 0, &now, &r));
  /* reset zeroes hits and drops, keeps the records */
  for (int i = 0; i < clog_n_indices(l); i++)
    clog_report(l, (uint32_t)i, true, 0, &now, &r);
  n = 0;
  for (int i = 0; i < clog_n_indices(l); i++) {
    if (clog_report(l, (uint32_t)i, false, 0, &now, &r)) {
      assert_int_equal(r.hits[CLOG_NTP], 0);
      assert_int_equal(r.hits[CLOG_CMD], 0);
      n++;
    }
    assert_false(clog_report(l, (uint32_t)i, false, 1, &now, &r));
  }
  assert_int_equal(n, 50);
  clog_free(l);
}

/* A reload's new limit: it acts on the next request, every bucket starts
 * full; limiting cannot be enabled without a log. */
static void test_set_ratelimit(void **state)
{
  (void)state;
  struct clog_params p = params(CLOG_DEFAULT_LIMIT);
  struct clientlog *l = clog_new(&p);
  struct ip_addr a = v4(1);
  for (int k = 0; k < 50; k++)
    assert_int_equal(ntp(l, &a, k * 0.001), CLOG_PASS);   /* no limit */
  struct clog_ratelimit r = limit_of(3, 2, 4);
  assert_true(clog_set_ratelimit(l, CLOG_NTP, &r));
  assert_int_equal(clog_min_poll(l), 3);
  assert_int_equal(ntp(l, &a, 0.1), CLOG_PASS);          /* a full bucket of 2 */
  assert_int_equal(ntp(l, &a, 0.1), CLOG_PASS);
  int passes = 0;
  for (int k = 0; k < 64; k++)
    passes += ntp(l, &a, 0.1) == CLOG_PASS;
  assert_true(passes < 16);                               /* the 1 in 16 leak */
  struct clog_ratelimit off = {0};
  assert_true(clog_set_ratelimit(l, CLOG_NTP, &off));
  for (int k = 0; k < 20; k++)
    assert_int_equal(ntp(l, &a, 0.2), CLOG_PASS);
  clog_free(l);

  p.active = false;
  l = clog_new(&p);
  assert_false(clog_set_ratelimit(l, CLOG_NTP, &r));
  assert_int_equal(clog_min_poll(l), CLOG_MIN_INTERVAL);  /* unchanged */
  clog_free(l);
}

static void test_noclientlog_keeps_totals_only(void **state)
{
  (void)state;
  struct clog_params p = params(CLOG_DEFAULT_LIMIT);
  p.active = false;
  struct clientlog *l = clog_new(&p);
  assert_non_null(l);
  struct ip_addr a = v4(1);
  struct timespec now = at(0);
  assert_int_equal(clog_access(l, CLOG_NTP, &a, &now), -1);
  assert_int_equal(clog_limit(l, CLOG_NTP, -1), CLOG_PASS);
  assert_int_equal(clog_n_indices(l), -1);
  struct clog_report r;
  assert_false(clog_report(l, 0, false, 0, &now, &r));
  struct clog_totals t;
  clog_get_totals(l, &t);
  assert_int_equal(t.hits[CLOG_NTP], 1);
  assert_int_equal(clog_memory(l), 0);
  clog_free(l);
  /* as chronyd: rate limiting needs the log */
  p.rate[CLOG_CMD] = limit_of(-4, 8, 2);
  assert_null(clog_new(&p));
}

static void test_addresses(void **state)
{
  (void)state;
  struct clog_params p = params(CLOG_DEFAULT_LIMIT);
  struct clientlog *l = clog_new(&p);
  struct ip_addr v4a, mapped, v6, none = {.family = ADDR_UNSPEC};
  assert_true(addr_parse("192.0.2.1", &v4a));
  assert_true(addr_parse("::ffff:192.0.2.1", &mapped));
  assert_true(addr_parse("2001:db8::1", &v6));
  struct timespec now = at(0);
  int i = clog_access(l, CLOG_NTP, &v4a, &now);
  assert_int_equal(clog_access(l, CLOG_NTP, &mapped, &now), i);
  assert_true(clog_access(l, CLOG_NTP, &v6, &now) != i);
  assert_int_equal(clog_access(l, CLOG_CMD, &none, &now), -1);
  struct clog_report r;
  assert_true(find(l, &v4a, 0, &r));
  assert_int_equal(r.hits[CLOG_NTP], 2);
  assert_true(find(l, &v6, 0, &r));
  struct clog_totals t;
  clog_get_totals(l, &t);
  assert_int_equal(t.hits[CLOG_NTP], 3);
  assert_int_equal(t.hits[CLOG_CMD], 1);
  /* a clock that went back: no interval, no age */
  clog_access(l, CLOG_NTP, &v6, &(struct timespec){.tv_sec = T0 - 100});
  assert_true(find(l, &v6, -200.0, &r));
  assert_int_equal(r.last_ago[CLOG_NTP], CLOG_NEVER);
  clog_free(l);
}

/* Interleaved mode, as chronyd 4.8: the map of receive timestamps, whoever
 * asks; each gives one interleaved reply. */
static void test_ntp_timestamps(void **state)
{
  (void)state;
  struct clog_params p = params(CLOG_DEFAULT_LIMIT);
  struct clientlog *l = clog_new(&p);
  uint64_t tx = 0;
  uint32_t count, span;
  assert_false(clog_take_ntp_tx(l, 100, &tx));            /* nothing saved yet */
  clog_save_ntp_timestamps(l, 100, 200);
  clog_save_ntp_timestamps(l, 0, 200);                    /* no receive time: not saved */
  clog_ntp_timestamp_stats(l, &count, &span);
  assert_int_equal(count, 1);
  assert_false(clog_take_ntp_tx(l, 99, &tx));
  assert_true(clog_take_ntp_tx(l, 100, &tx));
  assert_int_equal(tx, 200);
  assert_false(clog_take_ntp_tx(l, 100, &tx));            /* used once */
  clog_ntp_timestamp_stats(l, &count, &span);
  assert_int_equal(count, 1);                             /* it still holds its place */
  /* The kernel's transmit time replaces the daemon's, for the reply of
   * that receive timestamp only. */
  clog_save_ntp_timestamps(l, 300, 400);
  clog_update_ntp_tx(l, 299, 1000);
  clog_update_ntp_tx(l, 300, 450);
  clog_update_ntp_tx(l, 100, 150);                        /* used: stays used */
  assert_false(clog_take_ntp_tx(l, 100, &tx));
  assert_true(clog_take_ntp_tx(l, 300, &tx));
  assert_int_equal(tx, 450);
  /* A receive timestamp saved twice: neither transmit time is given. */
  clog_save_ntp_timestamps(l, 500, 600);
  clog_save_ntp_timestamps(l, 500, 700);
  assert_false(clog_take_ntp_tx(l, 500, &tx));
  /* Transmit times within (-2, 2] s of their receive time are kept. */
  const uint64_t s1 = 1ull << 32, rx = 1000 * s1;
  clog_save_ntp_timestamps(l, rx, rx + 2 * s1);
  clog_save_ntp_timestamps(l, rx + 1, rx + 1 + 2 * s1 + 1);
  clog_save_ntp_timestamps(l, rx + 2, rx + 2 - 2 * s1 + 1);
  clog_save_ntp_timestamps(l, rx + 3, rx + 3 - 2 * s1);
  assert_true(clog_take_ntp_tx(l, rx, &tx));
  assert_int_equal(tx, rx + 2 * s1);
  assert_false(clog_take_ntp_tx(l, rx + 1, &tx));
  assert_true(clog_take_ntp_tx(l, rx + 2, &tx));
  assert_false(clog_take_ntp_tx(l, rx + 3, &tx));
  clog_ntp_timestamp_stats(l, &count, &span);
  assert_int_equal(count, 7);
  assert_int_equal(span, 999);                            /* rx 100 .. rx + 3: under 1000 s */
  clog_free(l);
}

/* An entry per reply, not per client: one interleaved client's every
 * exchange, up to as many as the table may hold records; when the map is
 * full the oldest receive timestamp goes, whoever it was for. */
static void test_full_timestamp_map(void **state)
{
  (void)state;
  static const uint64_t limits[] = {0, 3840, CLOG_DEFAULT_LIMIT};
  const uint64_t s1 = 1ull << 32, t0 = 3900000000ull * s1;
  for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
    struct clog_params p = params(limits[i]);
    struct clientlog *l = clog_new(&p);
    uint32_t max = clog_max_records(l), count, span;
    struct ip_addr a = v4(1);
    for (uint32_t k = 0; k < max + 10; k++) {
      struct timespec now = at(k);
      assert_true(clog_access(l, CLOG_NTP, &a, &now) >= 0);
      clog_save_ntp_timestamps(l, t0 + k * s1 + 1, t0 + k * s1 + 1000);
    }
    clog_ntp_timestamp_stats(l, &count, &span);
    assert_int_equal(count, max);
    assert_int_equal(span, max - 1);
    assert_int_equal(count_records(l), 1);
    uint64_t tx;
    assert_false(clog_take_ntp_tx(l, t0 + 9 * s1 + 1, &tx));    /* pushed out */
    assert_true(clog_take_ntp_tx(l, t0 + 10 * s1 + 1, &tx));    /* the oldest left */
    assert_int_equal(tx, t0 + 10 * s1 + 1000);
    assert_true(clog_take_ntp_tx(l, t0 + (max + 9) * s1 + 1, &tx));
    assert_true(clog_memory(l) * 3 / 2 <= (limits[i] < 1920 ? 1920 : limits[i]));
    clog_free(l);
  }
}

/* The clock stepped back: a receive timestamp older than the newest goes
 * in its place in the order, after those more than a second ahead of it
 * are dropped; with more than 64 entries to move, it takes the place of
 * the closest older one instead. */
static void test_timestamps_after_a_step_back(void **state)
{
  (void)state;
  struct clog_params p = params(CLOG_DEFAULT_LIMIT);
  struct clientlog *l = clog_new(&p);
  const uint64_t s1 = 1ull << 32, t0 = 3900000000ull * s1;
  uint64_t tx;
  uint32_t count, span;
  for (uint64_t k = 0; k < 200; k++)
    clog_save_ntp_timestamps(l, t0 + k * s1, t0 + k * s1 + 7);
  /* back to 150.5 s: 152..199 are more than a second ahead */
  clog_save_ntp_timestamps(l, t0 + 150 * s1 + s1 / 2, t0 + 150 * s1 + s1 / 2 + 5);
  clog_ntp_timestamp_stats(l, &count, &span);
  assert_int_equal(count, 153);
  assert_int_equal(span, 151);
  assert_false(clog_take_ntp_tx(l, t0 + 152 * s1, &tx));
  assert_true(clog_take_ntp_tx(l, t0 + 151 * s1, &tx));
  assert_true(clog_take_ntp_tx(l, t0 + 150 * s1 + s1 / 2, &tx));
  assert_int_equal(tx, t0 + 150 * s1 + s1 / 2 + 5);
  assert_true(clog_take_ntp_tx(l, t0 + 150 * s1, &tx));
  assert_int_equal(tx, t0 + 150 * s1 + 7);
  clog_free(l);

  /* 300 timestamps 1/256 s apart; back to just after the 11th: those more
   * than a second ahead go, the 200 after it stay and it replaces the
   * 11th. */
  l = clog_new(&p);
  const uint64_t d = s1 / 256;
  for (uint64_t k = 0; k < 300; k++)
    clog_save_ntp_timestamps(l, t0 + k * d, t0 + k * d + 7);
  clog_save_ntp_timestamps(l, t0 + 10 * d + 1, t0 + 10 * d + 9);
  clog_ntp_timestamp_stats(l, &count, &span);
  assert_int_equal(count, 267);                    /* 0..266: 266/256 - 10/256 <= 1 s */
  assert_false(clog_take_ntp_tx(l, t0 + 267 * d, &tx));
  assert_true(clog_take_ntp_tx(l, t0 + 266 * d, &tx));
  assert_false(clog_take_ntp_tx(l, t0 + 10 * d, &tx));
  assert_true(clog_take_ntp_tx(l, t0 + 10 * d + 1, &tx));
  assert_int_equal(tx, t0 + 10 * d + 9);
  assert_true(clog_take_ntp_tx(l, t0 + 9 * d, &tx));
  assert_true(clog_take_ntp_tx(l, t0 + 11 * d, &tx));
  clog_free(l);
}

/* Growth in place: doubling moves a record of slot i only to slot i + n,
 * and every new slot holds its records packed, in the order they had, the
 * new address last: the layout (and so chronyc clients' order) a rehash
 * into a new table in index order gives. */
static void test_growth_keeps_the_order(void **state)
{
  (void)state;
  struct clog_params p = params(CLOG_DEFAULT_LIMIT);
  struct clientlog *l = clog_new(&p);
  static struct ip_addr before[4096], after[4096];
  const int slot = CLOG_SLOT_SIZE;
  struct timespec now = at(0);
  struct clog_report r;
  unsigned growths = 0;
  int n = clog_n_indices(l);
  for (unsigned i = 0; i < 1000; i++) {
    for (int k = 0; k < n; k++)
      before[k] = clog_report(l, (uint32_t)k, false, 0, &now, &r) ? r.addr : (struct ip_addr){0};
    struct ip_addr a = v4(i * 4099u);
    int index = clog_access(l, CLOG_NTP, &a, &now);
    int m = clog_n_indices(l);
    for (int k = 0; k < m; k++)
      after[k] = clog_report(l, (uint32_t)k, false, 0, &now, &r) ? r.addr : (struct ip_addr){0};
    assert_true(addr_equal(&after[index], &a));
    if (m == n)
      continue;
    growths++;
    int old_slots = n / slot, moved = 0;
    for (int j = 0; j < m / slot; j++) {
      int from = j % old_slots, last_k = -1;
      bool free_seen = false;
      for (int q = j * slot; q < (j + 1) * slot; q++) {
        if (after[q].family == ADDR_UNSPEC) {
          free_seen = true;
          continue;
        }
        assert_false(free_seen);                      /* packed */
        if (q == index)
          continue;
        int k = from * slot;
        while (k < (from + 1) * slot && !addr_equal(&before[k], &after[q]))
          k++;
        assert_true(k < (from + 1) * slot);  /* from slot j mod n */
        assert_true(k > last_k);                       /* in its order */
        last_k = k;
        moved++;
      }
      if (index / slot == j)                /* the new one last */
        assert_true(index + 1 == (j + 1) * slot || after[index + 1].family == ADDR_UNSPEC);
    }
    assert_int_equal(moved, (int)i);                  /* every record kept */
    n = m;
  }
  assert_true(growths >= 6);                          /* 16 -> 1024 records or more */
  assert_int_equal(n, CLOG_SLOT_SIZE << growths);
  assert_int_equal(count_records(l), 1000);
  clog_free(l);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_default_limit_holds_4096_records),
    cmocka_unit_test(test_limit_rounds_down_to_a_power_of_two),
    cmocka_unit_test(test_full_table_replaces_the_stalest),
    cmocka_unit_test(test_growth_keeps_records),
    cmocka_unit_test(test_interval_estimates),
    cmocka_unit_test(test_interval_follows_changes),
    cmocka_unit_test(test_token_bucket),
    cmocka_unit_test(test_burst_with_leak),
    cmocka_unit_test(test_one_per_second_gets_chronys_share),
    cmocka_unit_test(test_leak_rates),
    cmocka_unit_test(test_faster_retries_give_up_limiting),
    cmocka_unit_test(test_kod),
    cmocka_unit_test(test_client_drops_wrap_as_chronyds),
    cmocka_unit_test(test_services_are_separate),
    cmocka_unit_test(test_index_walk_and_reset),
    cmocka_unit_test(test_set_ratelimit),
    cmocka_unit_test(test_noclientlog_keeps_totals_only),
    cmocka_unit_test(test_addresses),
    cmocka_unit_test(test_ntp_timestamps),
    cmocka_unit_test(test_full_timestamp_map),
    cmocka_unit_test(test_timestamps_after_a_step_back),
    cmocka_unit_test(test_growth_keeps_the_order),
  };
  return cmocka_run_group_tests_name("clientlog", tests, NULL, NULL);
}
