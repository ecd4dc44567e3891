/* Unit tests for src/core/manual.c and regress.c: settime's samples, the
 * robust fit's frequency and offset (chronyd's manual.c and regress.c),
 * samples refused, dropped, deleted and moved with the clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>

#include <cmocka.h>

#include "core/manual.h"
#include "core/regress.h"

#define T0 1700000000

static struct timespec at(double s)
{
  return (struct timespec){.tv_sec = T0 + (time_t)floor(s),
                           .tv_nsec = (long)((s - floor(s)) * 1e9)};
}

/* A sample at local time t of a clock `offset` ahead of true time. */
static bool give(struct manual *m, double t, double offset, struct manual_fix *fix)
{
  struct timespec now = at(t), ts = at(t - offset);
  return manual_accept(m, &now, &ts, fix);
}

static void test_robust_fit(void **state)
{
  (void)state;
  double x[8], y[8], b0, b1;
  int runs, start;
  for (int i = 0; i < 8; i++) {
    x[i] = 10.0 * i;
    y[i] = 0.5 + 2e-6 * x[i];
  }
  y[3] += 1.0;                          /* one outlier: the line goes on through the rest */
  assert_true(rgr_robust_fit(x, y, 8, 1e-10, &b0, &b1, &runs, &start));
  assert_true(fabs(b1 - 2e-6) < 1e-9 && fabs(b0 - 0.5) < 1e-6);
  assert_true(rgr_robust_fit(x, y, 2, 1e-10, &b0, &b1, &runs, &start));   /* the line through two */
  assert_true(fabs(b1 - 2e-6) < 1e-12 && runs == 0);
  assert_false(rgr_robust_fit(x, y, 1, 1e-10, &b0, &b1, &runs, &start));
  for (int i = 0; i < 8; i++)
    x[i] = 1.0;                         /* no slope to find */
  assert_false(rgr_robust_fit(x, y, 8, 1e-10, &b0, &b1, &runs, &start));
  double r[] = {1, 2, -1, 0, 3, -2, -2};
  assert_int_equal(rgr_runs(r, 7), 5);
  assert_int_equal(rgr_critical_runs(8), 2);
  assert_int_equal(rgr_critical_runs(1000), rgr_critical_runs(RGR_MAX_POINTS));
}

static void test_settime_fit(void **state)
{
  (void)state;
  struct manual m;
  struct manual_fix fix;
  manual_init(&m, false);
  assert_false(give(&m, 0, 1.0, &fix));               /* manual off */
  m.enabled = true;
  /* A clock 1 s fast that gains 10 ppm: the offset given is slewed now,
   * the frequency comes from the fit. */
  assert_true(give(&m, 0, 1.0, &fix));
  assert_false(fix.have_freq);
  assert_true(fabs(fix.offset - 1.0) < 2e-9 && fix.reg_offset == fix.offset && fix.freq == 0.0);
  assert_false(give(&m, 0.5, 1.0, &fix));             /* less than a second later */
  /* the fit's slope is found to within 1e-8 (chronyd's tolerance) */
  assert_true(give(&m, 1000, 1.01, &fix));
  assert_true(fix.have_freq && fabs(fix.freq - 1e-5) < 1e-8);
  assert_true(give(&m, 2000, 1.02, &fix));
  assert_true(fabs(fix.freq - 1e-5) < 2e-8 && fabs(fix.reg_offset - 1.02) < 4e-5);
  assert_int_equal(m.n, 3);
  for (int i = 0; i < m.n; i++)
    assert_true(fabs(m.s[i].residual) < 4e-5);
  /* a wrong entry: slewed as given, the largest residual after the next */
  assert_true(give(&m, 3000, 1.53, &fix));
  assert_true(fabs(fix.offset - 1.53) < 2e-9);
  assert_true(give(&m, 4000, 1.04, &fix));
  for (int i = 0; i < m.n; i++)
    assert_true(i == 3 || fabs(m.s[i].residual) < m.s[3].residual);
  /* deleted: the rest fitted again, the fit's offset to correct */
  assert_false(manual_delete(&m, 5, &fix));
  assert_false(manual_delete(&m, -1, &fix));
  assert_true(manual_delete(&m, 3, &fix));
  assert_int_equal(m.n, 4);
  assert_true(fabs(fix.offset - 1.04) < 1e-4 && fabs(fix.freq - 1e-5) < 2e-8);
  assert_true(manual_delete(&m, 0, &fix) && manual_delete(&m, 0, &fix) &&
              manual_delete(&m, 0, &fix));
  assert_true(fix.offset == 0.0 && !fix.have_freq);   /* one left: nothing to correct */
  manual_reset(&m);
  assert_int_equal(m.n, 0);
}

static void test_samples_kept(void **state)
{
  (void)state;
  struct manual m;
  struct manual_fix fix;
  manual_init(&m, true);
  for (int i = 0; i < MANUAL_MAX_SAMPLES + 3; i++)
    assert_true(give(&m, 10.0 * i, 0.001 * i, &fix));
  assert_int_equal(m.n, MANUAL_MAX_SAMPLES);           /* the oldest dropped */
  assert_true(fabs(m.s[0].orig_offset - 0.003) < 2e-9);
  /* no sane time: before 1970, or 2^31 s or more away */
  struct timespec now = at(1000), ts = {.tv_sec = -5};
  assert_false(manual_accept(&m, &now, &ts, &fix));
  ts = now;
  ts.tv_sec += 2147483648LL;
  assert_false(manual_accept(&m, &now, &ts, &fix));
  /* the clock corrected by 0.5 s (advanced): every sample's time and
   * offset move with it, the offset as given stays */
  struct timespec when = at(500);
  double before = m.s[0].offset;
  manual_clock_changed(&m, &when, 0.0, 0.5);
  assert_true(fabs(m.s[0].offset - (before + 0.5)) < 1e-9);
  assert_true(fabs(m.s[0].orig_offset - 0.003) < 2e-9);
  assert_int_equal(m.s[m.n - 1].when.tv_sec, T0 + 180);
  assert_int_equal(m.s[m.n - 1].when.tv_nsec, 500000000);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_robust_fit),
    cmocka_unit_test(test_settime_fit),
    cmocka_unit_test(test_samples_kept),
  };
  return cmocka_run_group_tests_name("manual", tests, NULL, NULL);
}
