/* tempcomp (chronyd's temperature compensation): the compensation from
 * the coefficients and from points (interpolated, extrapolated), the
 * points file's rejections, and, on the simulated platform with a scripted
 * sensor file, the clock's frequency following the temperature at each
 * interval, chronyd's sanity limit and its warning for an unreadable
 * sensor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/tempcomp.h"
#include "sim/sim_world.h"

#define SENSOR "/sys/class/hwmon/hwmon0/temp1_input"

static void test_coefficients(void **state)
{
  (void)state;
  struct tcomp_params p = {.t0 = 20.0, .k0 = 0.5, .k1 = 0.25, .k2 = -0.01};
  assert_float_equal(tcomp_compensation(&p, 20.0), 0.5, 1e-12);
  assert_float_equal(tcomp_compensation(&p, 30.0), 0.5 + 2.5 - 1.0, 1e-12);
  assert_float_equal(tcomp_compensation(&p, 10.0), 0.5 - 2.5 - 1.0, 1e-12);
}

static void test_points(void **state)
{
  (void)state;
  struct tcomp_params p = {0};
  int n = tcomp_parse_points("20 0\n30 1.0\n40 4e0\n", p.points, TCOMP_MAX_POINTS);
  assert_int_equal(n, 3);
  p.n_points = (unsigned)n;
  assert_float_equal(tcomp_compensation(&p, 25.0), 0.5, 1e-12);
  assert_float_equal(tcomp_compensation(&p, 30.0), 1.0, 1e-12);
  assert_float_equal(tcomp_compensation(&p, 35.0), 2.5, 1e-12);
  assert_float_equal(tcomp_compensation(&p, 10.0), -1.0, 1e-12);   /* extrapolated */
  assert_float_equal(tcomp_compensation(&p, 50.0), 7.0, 1e-12);
  /* Rejections: the line number of the first bad line; fewer than 2: 0. */
  assert_int_equal(tcomp_parse_points("20 0\n30\n", p.points, TCOMP_MAX_POINTS), -2);
  assert_int_equal(tcomp_parse_points("20 x\n", p.points, TCOMP_MAX_POINTS), -1);
  assert_int_equal(tcomp_parse_points("\n", p.points, TCOMP_MAX_POINTS), -1);
  assert_int_equal(tcomp_parse_points("20 0 \n30 inf\n", p.points, TCOMP_MAX_POINTS), -2);
  assert_int_equal(tcomp_parse_points("20 0\n", p.points, TCOMP_MAX_POINTS), 0);
  assert_int_equal(tcomp_parse_points("", p.points, TCOMP_MAX_POINTS), 0);
  assert_int_equal(tcomp_parse_points("1 1\n2 2\n3 3\n", p.points, 2), -3);
}

/* The host's clock is perfect; the compensation (k1 = 0.2 ppm per degree
 * above 20) slows it by what the temperature says it gained. */
static void test_frequency_follows_the_sensor(void **state)
{
  (void)state;
  struct timespec start = {.tv_sec = 1700000000};
  struct sim_world *w = sim_world_new(1, &start);
  struct sim_platform *h = sim_world_add_host(w, "host", "192.0.2.1", NULL);
  assert_non_null(h);
  const struct platform *plat = sim_platform_get(h);
  struct discipline disc;
  struct tcomp t;
  struct tcomp_params p = {.sensor = SENSOR, .interval = 10.0, .t0 = 20.0, .k1 = 0.2};
  disc_init(&disc, plat, true, true, 0.0, 83333.333, 500000.0);
  assert_true(sim_platform_set_file(h, SENSOR, "30\n"));
  tcomp_start(&t, plat, &disc, &p, NULL, NULL);
  assert_int_equal(sim_world_run(w, 5.0), 0);
  assert_float_equal(sim_platform_freq_error(h), -2.0, 1e-6);
  assert_true(sim_platform_set_file(h, SENSOR, "15"));
  assert_int_equal(sim_world_run(w, 4.0), 0);
  assert_float_equal(sim_platform_freq_error(h), -2.0, 1e-6);     /* read every 10 s */
  assert_int_equal(sim_world_run(w, 2.0), 0);
  assert_float_equal(sim_platform_freq_error(h), 1.0, 1e-6);
  /* 90 degrees: 14 ppm, over chronyd's limit; unreadable: kept, warned. */
  unsigned warnings = sim_platform_log_count(h, PLAT_LOG_WARN);
  assert_true(sim_platform_set_file(h, SENSOR, "90"));
  assert_int_equal(sim_world_run(w, 10.0), 0);
  assert_true(sim_platform_set_file(h, SENSOR, "hot"));
  assert_int_equal(sim_world_run(w, 10.0), 0);
  assert_float_equal(sim_platform_freq_error(h), 1.0, 1e-6);
  assert_int_equal(sim_platform_log_count(h, PLAT_LOG_WARN), warnings + 2);
  tcomp_stop(&t);
  disc_fini(&disc);
  sim_world_free(w);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_coefficients),
    cmocka_unit_test(test_points),
    cmocka_unit_test(test_frequency_follows_the_sensor),
  };
  return cmocka_run_group_tests_name("tempcomp", tests, NULL, NULL);
}
