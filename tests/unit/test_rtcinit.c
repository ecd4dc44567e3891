/* chronyd's -s (core/rtcinit.c, and rtctrack's initial trim) on a simulated
 * host whose clock starts 10 s ahead and whose RTC (sim_refclock.h) is
 * 3.4 s fast gaining 20 ppm: the clock set from the RTC corrected by the
 * rtcfile's coefficients, or not corrected without them, no step under a
 * second, none without clock control, the driftfile's time (an RTC time
 * before it refused, a clock behind it advanced), no device; then the
 * initial trim's eight samples and the slew of what the step left. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rtcinit.h"
#include "sim/sim_clock.h"
#include "sim/sim_refclock.h"
#include "sim/sim_sched.h"
#include "sim/sim_world.h"

#define RTC_ERROR 3.4             /* s fast at the start */
#define RTC_GAIN 20.0             /* ppm */
#define CLOCK_AHEAD 10.0          /* s the host's clock starts ahead */
#define T0 1700000000
#define FILE_AGE 86400            /* s from the file's reference to the start */

struct fixture {
  struct sim_world *w;
  struct sim_platform *host;
  struct discipline d;
  struct refstate ref;
  struct rtctrack r;
  int done;
};

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));
  struct timespec start = {T0, 0};
  struct sim_clock_params clock = {.offset = CLOCK_AHEAD};
  f->w = sim_world_new(1, &start);
  f->host = sim_world_add_host(f->w, "client", "192.0.2.1", &clock);
  assert_non_null(f->host);
  struct sim_refclock_config cfg = {.driver = PLAT_REFCLOCK_RTC, .param = "/dev/rtc0",
                                    .freq = RTC_GAIN, .rtc_error = RTC_ERROR, .jitter = 1e-5,
                                    .seed = 5};
  assert_non_null(sim_refclock_new(sim_world_sched(f->w), f->host, &cfg));
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  rtct_stop(&f->r);
  if (f->d.plat)
    disc_fini(&f->d);
  sim_world_free(f->w);
  free(f);
  return 0;
}

/* The host's clock minus true time now. */
static double clock_error(struct fixture *f)
{
  return sim_clock_offset(sim_platform_clock(f->host), sim_sched_now(sim_world_sched(f->w)));
}

/* The coefficients an rtcfile written FILE_AGE s before the start would
 * hold for this RTC (its error then, its gain). */
static struct rtci_params params(bool with_file)
{
  struct rtci_params p = {.device = "/dev/rtc0", .utc = true, .control = true};
  if (with_file)
    p.file = (struct rtct_coefs){.valid = true, .ref_time = T0 - FILE_AGE,
                                 .fast = RTC_ERROR - RTC_GAIN * 1e-6 * FILE_AGE,
                                 .gain = RTC_GAIN * 1e-6};
  return p;
}

static unsigned logs(struct fixture *f, enum plat_log_level level)
{
  return sim_platform_log_count(f->host, level);
}

static void test_set_from_rtc(void **state)
{
  struct fixture *f = *state;
  struct rtci_params p = params(true);
  assert_true(rtci_set_clock(sim_platform_get(f->host), &p));
  assert_int_equal(sim_platform_steps(f->host), 1);
  /* the RTC's second, its middle taken: within half a second */
  assert_true(fabs(clock_error(f)) <= 0.5 + 1e-3);
  assert_int_equal(logs(f, PLAT_LOG_INFO), 1);        /* System time set from RTC */
}

static void test_without_coefficients(void **state)
{
  struct fixture *f = *state;
  struct rtci_params p = params(false);
  assert_true(rtci_set_clock(sim_platform_get(f->host), &p));
  assert_true(fabs(clock_error(f) - RTC_ERROR) <= 0.5 + 1e-3);   /* as fast as the RTC */
}

static void test_close_enough_or_no_control(void **state)
{
  struct fixture *f = *state;
  struct rtci_params p = params(true);
  assert_true(rtci_set_clock(sim_platform_get(f->host), &p));
  double e = clock_error(f);
  assert_true(rtci_set_clock(sim_platform_get(f->host), &p));    /* under a second off */
  assert_int_equal(sim_platform_steps(f->host), 1);
  p.file.fast -= 5.0;                                 /* says the clock is 5 s off */
  p.control = false;                                  /* -x */
  assert_true(rtci_set_clock(sim_platform_get(f->host), &p));
  assert_int_equal(sim_platform_steps(f->host), 1);
  assert_true(fabs(clock_error(f) - e) < 1e-3);
  assert_int_equal(logs(f, PLAT_LOG_ERR), 1);         /* Could not step system clock */
}

static void test_driftfile_time(void **state)
{
  struct fixture *f = *state;
  struct rtci_params p = params(true);
  /* The RTC's (corrected) time is before the driftfile's last change: refused;
   * the clock (10 s ahead) is not behind that time: left. */
  p.driftfile_time = T0 + 5;
  assert_false(rtci_set_clock(sim_platform_get(f->host), &p));
  assert_int_equal(logs(f, PLAT_LOG_WARN), 1);
  assert_int_equal(sim_platform_steps(f->host), 0);
  /* a clock behind it is advanced to it */
  p.driftfile_time = T0 + 100;
  assert_false(rtci_set_clock(sim_platform_get(f->host), &p));
  assert_int_equal(sim_platform_steps(f->host), 1);
  assert_true(fabs(clock_error(f) - (100.0 - 0.0)) <= 1.0);
  /* no device: only the driftfile's time */
  p.device = "/dev/rtc9";
  p.driftfile_time = T0 + 200;
  assert_false(rtci_set_clock(sim_platform_get(f->host), &p));
  assert_int_equal(sim_platform_steps(f->host), 2);
  assert_true(fabs(clock_error(f) - 200.0) <= 1.0);
}

static void on_done(void *arg)
{
  ((struct fixture *)arg)->done++;
}

static void start_tracking(struct fixture *f, const struct rtci_params *s)
{
  disc_init(&f->d, sim_platform_get(f->host), true, true, 0.0, 83333.333, 500000.0);
  ref_state_init(&f->ref, -20);
  struct rtct_params p = {.device = s->device, .utc = true, .initial = true, .file = s->file,
                          .initial_done = on_done, .arg = f};
  assert_true(rtct_start(&f->r, sim_platform_get(f->host), &f->d, &f->ref, &p));
  assert_true(disc_add_listener(&f->d, rtct_clock_changed, &f->r));
}

/* After the step, eight samples a second apart, then the rest slewed. */
static void test_initial_trim(void **state)
{
  struct fixture *f = *state;
  struct rtci_params s = params(true);
  assert_true(rtci_set_clock(sim_platform_get(f->host), &s));
  double left = clock_error(f);
  assert_true(fabs(left) > 1e-3);                     /* something for the trim */
  start_tracking(f, &s);
  assert_int_equal(sim_world_run(f->w, 6.5), 0);      /* under eight interrupts */
  assert_int_equal(f->done, 0);
  assert_int_equal(sim_world_run(f->w, 2.0), 0);
  assert_int_equal(f->done, 1);
  assert_int_equal(logs(f, PLAT_LOG_INFO), 2);        /* ...off from RTC by %f seconds (slew) */
  assert_int_equal(sim_world_run(f->w, 20.0), 0);     /* 0.5 s at 83 ms/s */
  assert_true(fabs(clock_error(f)) < 1e-4);
  assert_int_equal(f->done, 1);
  struct rtct_report rep;
  rtct_report(&f->r, &rep);
  assert_true(rep.n_samples >= 1 && rep.n_samples <= 3);   /* normal measurements again */
}

static void test_initial_trim_without_coefficients(void **state)
{
  struct fixture *f = *state;
  struct rtci_params s = params(false);
  assert_true(rtci_set_clock(sim_platform_get(f->host), &s));
  double e = clock_error(f);
  start_tracking(f, &s);
  assert_int_equal(sim_world_run(f->w, 12.0), 0);
  assert_int_equal(f->done, 1);
  assert_int_equal(logs(f, PLAT_LOG_WARN), 1);        /* No valid rtcfile coefficients */
  assert_true(fabs(clock_error(f) - e) < 1e-6);       /* nothing slewed */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_set_from_rtc, setup, teardown),
    cmocka_unit_test_setup_teardown(test_without_coefficients, setup, teardown),
    cmocka_unit_test_setup_teardown(test_close_enough_or_no_control, setup, teardown),
    cmocka_unit_test_setup_teardown(test_driftfile_time, setup, teardown),
    cmocka_unit_test_setup_teardown(test_initial_trim, setup, teardown),
    cmocka_unit_test_setup_teardown(test_initial_trim_without_coefficients, setup, teardown),
  };
  return cmocka_run_group_tests_name("rtcinit", tests, NULL, NULL);
}
