/* fbdrift: chrony's fallback drifts: averages per level, levels without
 * enough data skipped, the schedule of levels after the last update. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>

#include "core/fbdrift.h"

/* Levels 2^2..2^4 s, each fed far more than its time constant of updates
 * 2 s apart at `ppm`. */
static void filled(struct fbdrift *f, double ppm)
{
  fbd_init(f, 2, 4);
  for (int i = 0; i < 100; i++)
    fbd_update(f, ppm, 2.0);
}

static void test_disabled_unless_0_lt_min_le_max(void **state)
{
  (void)state;
  struct fbdrift f;
  double freq = 0.0, next_in;
  fbd_init(&f, 0, 19);
  assert_false(fbd_enabled(&f));
  fbd_init(&f, 16, 15);
  assert_false(fbd_enabled(&f));
  fbd_init(&f, -3, 4);
  assert_false(fbd_enabled(&f));
  for (int i = 0; i < 100; i++)
    fbd_update(&f, 5.0, 2.0);
  assert_false(fbd_schedule(&f, 1e6, &freq, &next_in));
  assert_true(next_in < 0.0);
  fbd_init(&f, 16, 19);
  assert_true(fbd_enabled(&f));
}

/* Until a level has seen 2^i s of updates (half of each interval counts,
 * as chronyd), it is a plain average and not used. */
static void test_levels_without_enough_data_are_skipped(void **state)
{
  (void)state;
  struct fbdrift f;
  double freq = 0.0, next_in;
  fbd_init(&f, 2, 4);
  fbd_update(&f, 10.0, 2.0);
  fbd_update(&f, 20.0, 2.0);
  assert_false(fbd_schedule(&f, 0.0, &freq, &next_in));
  assert_true(next_in < 0.0);                 /* 2 s seen: not even 2^2 */
  fbd_update(&f, 30.0, 4.0);                  /* 4 s: level 2 is full */
  assert_false(fbd_schedule(&f, 0.0, &freq, &next_in));
  assert_float_equal(next_in, 4.0, 1e-12);
  assert_float_equal(fbd_due(&f), (10.0 + 20.0 + 2.0 * 30.0) / 4.0, 1e-9);
}

/* After the last update: level 2 at 4 s, level 3 at 8 s, level 4 at
 * 16 s, then nothing more. */
static void test_levels_follow_one_another(void **state)
{
  (void)state;
  struct fbdrift f;
  double freq = 0.0, next_in;
  filled(&f, 5.0);
  assert_false(fbd_schedule(&f, 0.0, &freq, &next_in));
  assert_float_equal(next_in, 4.0, 1e-12);
  assert_float_equal(fbd_due(&f), 5.0, 1e-9);
  assert_false(fbd_schedule(&f, 4.0, &freq, &next_in));   /* level 2 set by its timer */
  assert_float_equal(next_in, 4.0, 1e-12);
  assert_false(fbd_schedule(&f, 8.0, &freq, &next_in));
  assert_float_equal(next_in, 8.0, 1e-12);
  assert_false(fbd_schedule(&f, 16.0, &freq, &next_in));
  assert_true(next_in < 0.0);
}

/* Unsynchronised for 10 s without any timer: level 3 is due at once and
 * level 4 in 6 s; an update starts again from level 2. */
static void test_late_schedule_sets_the_due_level(void **state)
{
  (void)state;
  struct fbdrift f;
  double freq = 0.0, next_in;
  filled(&f, 5.0);
  assert_true(fbd_schedule(&f, 10.0, &freq, &next_in));
  assert_float_equal(freq, 5.0, 1e-9);
  assert_float_equal(next_in, 6.0, 1e-12);
  fbd_update(&f, 5.0, 2.0);
  assert_false(fbd_schedule(&f, 0.0, &freq, &next_in));
  assert_float_equal(next_in, 4.0, 1e-12);
}

/* A full level follows a new frequency exponentially with its own time
 * constant: the short one moves first. */
static void test_full_levels_average_exponentially(void **state)
{
  (void)state;
  struct fbdrift f;
  filled(&f, 0.0);
  fbd_update(&f, 10.0, 2.0);
  assert_float_equal(f.level[2].freq, 10.0 * (1.0 - exp(-2.0 / 4.0)), 1e-9);
  assert_float_equal(f.level[4].freq, 10.0 * (1.0 - exp(-2.0 / 16.0)), 1e-9);
  fbd_update(&f, 10.0, 0.5);                  /* under a second apart: skipped */
  assert_float_equal(f.level[2].freq, 10.0 * (1.0 - exp(-2.0 / 4.0)), 1e-9);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_disabled_unless_0_lt_min_le_max),
    cmocka_unit_test(test_levels_without_enough_data_are_skipped),
    cmocka_unit_test(test_levels_follow_one_another),
    cmocka_unit_test(test_late_schedule_sets_the_due_level),
    cmocka_unit_test(test_full_levels_average_exponentially),
  };
  return cmocka_run_group_tests_name("fbdrift", tests, NULL, NULL);
}
