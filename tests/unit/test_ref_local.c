/* The local reference's decisions (chronyd 4.8's REF_GetReferenceParams):
 * served while unsynchronised once waitunsynced has passed, while
 * synchronised only when the root distance exceeds `distance` and the
 * last update is waitsynced old, never before the distance was once below
 * `activate`; the orphan stratum only with `orphan`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>

#include "core/reference.h"

#define T0 1700000000

static const struct timespec start = {.tv_sec = T0};

static struct timespec at(double s)
{
  return timespec_add_double(&start, s);
}

static struct ref_params params(const struct refstate *r, double s)
{
  struct ref_params p;
  struct timespec t = at(s);
  ref_get_params(r, &t, &p);
  return p;
}

static bool serves_local(const struct refstate *r, double s)
{
  struct ref_params p = params(r, s);
  return !p.synchronised && p.refid == NTP_REFID_LOCAL;
}

/* Synchronised at `s` to refid 0xC0000201, stratum 3, with a root distance
 * of `distance` growing at `rate`. */
static void synchronise(struct refstate *r, double s, double distance, double rate)
{
  r->synchronised = true;
  r->leap = NTP_LEAP_NONE;
  r->stratum = 3;
  r->refid = 0xC0000201;
  r->ref_time = at(s);
  r->root_delay = distance;
  r->root_dispersion = distance / 2.0;
  r->dispersion_rate = rate;
}

static void test_unsynchronised_waits(void **state)
{
  (void)state;
  struct refstate r;
  const double wait = 300.0;
  ref_state_init(&r, -20);
  ref_set_local(&r, &(struct ref_local){.enabled = true, .stratum = 7, .distance = 1.0,
                                        .wait_unsynced = wait},
                &start);
  struct ref_params p = params(&r, wait / 2.0);
  assert_int_equal(p.leap, NTP_LEAP_UNSYNC);
  assert_int_equal(p.stratum, 0);
  assert_false(serves_local(&r, wait / 2.0));
  p = params(&r, wait);
  assert_true(serves_local(&r, wait));
  assert_int_equal(p.stratum, 7);
  assert_int_equal(p.leap, NTP_LEAP_NONE);
  assert_true(p.root_delay == 0.0 && p.root_dispersion == 0.0);
  /* Disabled: unsynchronised whatever the time. */
  ref_set_local(&r, &(struct ref_local){.enabled = false}, &start);
  assert_false(serves_local(&r, 10.0 * wait));
}

static void test_synchronised_above_distance(void **state)
{
  (void)state;
  struct refstate r;
  const double limit = 1.0, rate = 1e-3, d0 = limit / 2.0;
  ref_state_init(&r, -20);
  ref_set_local(&r, &(struct ref_local){.enabled = true, .stratum = 7, .distance = limit},
                &start);
  synchronise(&r, 0.0, d0, rate);
  double cross = (limit - d0) / rate;       /* when the root distance passes the limit */
  struct ref_params p = params(&r, cross * 0.99);
  assert_true(p.synchronised);
  assert_int_equal(p.stratum, 3);
  assert_int_equal(p.refid, 0xC0000201);
  assert_true(serves_local(&r, cross * 1.01));
  assert_int_equal(params(&r, cross * 1.01).stratum, 7);
}

static void test_wait_synced(void **state)
{
  (void)state;
  struct refstate r;
  const double limit = 0.1, wait = 100.0;
  ref_state_init(&r, -20);
  ref_set_local(&r, &(struct ref_local){.enabled = true, .stratum = 7, .distance = limit,
                                        .wait_synced = wait},
                &start);
  synchronise(&r, 0.0, 2.0 * limit, 0.0);     /* above the limit from the start */
  assert_true(params(&r, wait * 0.99).synchronised);
  assert_true(serves_local(&r, wait));
}

/* activate: not before the distance has been below it once; an update
 * with a small enough distance (the reference's) sets the latch. */
static void test_activate_latch(void **state)
{
  (void)state;
  struct refstate r;
  ref_state_init(&r, -20);
  ref_set_local(&r, &(struct ref_local){.enabled = true, .stratum = 7, .distance = 1.0,
                                        .activate = 0.01},
                &start);
  assert_false(serves_local(&r, 1000.0));
  r.local_activate_ok = true;
  assert_true(serves_local(&r, 1000.0));
  /* Setting `local` again starts over. */
  ref_set_local(&r, &(struct ref_local){.enabled = true, .stratum = 7, .distance = 1.0,
                                        .activate = 0.01},
                &start);
  assert_false(r.local_activate_ok);
}

static void test_orphan_stratum(void **state)
{
  (void)state;
  struct ref_local l = {.enabled = true, .stratum = 5};
  assert_int_equal(ref_orphan_stratum(&l), NTP_MAX_STRATUM);
  l.orphan = true;
  assert_int_equal(ref_orphan_stratum(&l), 5);
  l.enabled = false;
  assert_int_equal(ref_orphan_stratum(&l), NTP_MAX_STRATUM);
}

/* Out-of-range strata are clamped to 1..15, as chronyd's REF_EnableLocal. */
static void test_stratum_clamped(void **state)
{
  (void)state;
  struct refstate r;
  ref_state_init(&r, -20);
  ref_set_local(&r, &(struct ref_local){.enabled = true, .stratum = 99, .distance = 1.0}, &start);
  assert_int_equal(params(&r, 1.0).stratum, NTP_MAX_STRATUM - 1);
  ref_set_local(&r, &(struct ref_local){.enabled = true, .stratum = -3, .distance = 1.0}, &start);
  assert_int_equal(params(&r, 1.0).stratum, 1);
}

/* How old the local reference time served at `s` is. */
static double ref_age(const struct refstate *r, double s)
{
  struct ref_params p = params(r, s);
  struct timespec t = at(s);
  return timespec_diff(&t, &p.ref_time);
}

/* The local reference time, as chronyd's, is 1-2 s before the local
 * reference began (unsync_since plus waitunsynced) when it is first
 * served, then held REF_LOCAL_UPDATE_INTERVAL seconds: with a random phase
 * of its own (as before) it could be up to 66 s old at the first reply. */
static void test_reference_time_from_start(void **state)
{
  (void)state;
  const double held = REF_LOCAL_UPDATE_INTERVAL;
  for (uint64_t key = 1; key <= 64; key++) {
    for (double wait = 0.0; wait <= 10.0; wait += 10.0) {
      struct refstate r;
      ref_state_init(&r, -20);
      r.local_key = key * 0x9e3779b97f4a7c15ull;
      ref_set_local(&r, &(struct ref_local){.enabled = true, .stratum = 1, .wait_unsynced = wait},
                    &start);
      double age = ref_age(&r, wait + 0.5);
      assert_true(age >= 1.5 && age <= 2.5);
      assert_true(fabs(ref_age(&r, wait + held - 0.5) - (age + held - 1.0)) < 1e-6);
      age = ref_age(&r, wait + held + 0.5);
      assert_true(age >= 1.5 && age <= 2.5);
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_unsynchronised_waits),
    cmocka_unit_test(test_synchronised_above_distance),
    cmocka_unit_test(test_wait_synced),
    cmocka_unit_test(test_activate_latch),
    cmocka_unit_test(test_orphan_stratum),
    cmocka_unit_test(test_stratum_clamped),
    cmocka_unit_test(test_reference_time_from_start),
  };
  return cmocka_run_group_tests_name("ref_local", tests, NULL, NULL);
}
