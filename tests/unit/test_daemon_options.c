/* Unit tests for src/daemon/options.c: stratumd's options, and the
 * numbers it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "daemon/options.h"

#define ARGV(...) ((char *[]){"stratumd", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"stratumd", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(o, ...) options_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (o))

static void test_numbers(void **state)
{
  struct options o;
  (void)state;
  assert_int_equal(PARSE(&o, "-F", "-1", "-L", "2", "-t", "0.5", "-d", "server"), OPTIONS_RUN);
  assert_int_equal(o.seccomp_level, -1);
  assert_int_equal(o.log_level, 2);
  assert_true(o.timeout == 0.5);
  assert_int_equal(o.n_directives, 1);
}

/* chronyd's -m, -P, -R, -U. */
static void test_chronyd_flags(void **state)
{
  struct options o;
  (void)state;
  assert_int_equal(PARSE(&o, "-m", "-P", "50", "-R", "-U"), OPTIONS_RUN);
  assert_true(o.lock_memory && o.restarted && o.no_user_check);
  assert_int_equal(o.sched_priority, 50);
  assert_int_equal(PARSE(&o, "-d"), OPTIONS_RUN);
  assert_false(o.lock_memory || o.restarted || o.no_user_check);
  assert_int_equal(o.sched_priority, 0);
}

static void test_bad_numbers(void **state)
{
  static const char *const bad[][2] = {
    {"-F", "3"}, {"-F", "1.5"}, {"-F", "x"}, {"-L", "-2"}, {"-L", ""}, {"-t", "0"},
    {"-t", "1e10"}, {"-t", "inf"},
    /* NaN is in no range: it was taken, and converted to int */
    {"-F", "nan"}, {"-L", "nan"}, {"-t", "nan"}, {"-t", "-nan"},
    {"-P", "x"}, {"-P", "1.5"}, {"-P", "nan"}, {"-P", "1e10"}};
  struct options o;
  (void)state;
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char *argv[] = {"stratumd", (char *)bad[i][0], (char *)bad[i][1], NULL};
    if (options_parse(3, argv, &o) != OPTIONS_EXIT_ERROR)
      fail_msg("%s %s accepted", bad[i][0], bad[i][1]);
  }
}

/* A parse that stopped inside a group of letters ("-vx" at -v) leaves
 * nothing for the next one: it used to go on with that group's 'x' and
 * skip its own first argument. */
static void test_parses_are_independent(void **state)
{
  char first[] = "-vx", second[] = "-d";
  char *argv1[] = {"stratumd", first, NULL}, *argv2[] = {"stratumd", second, NULL};
  struct options o;
  (void)state;
  assert_int_equal(options_parse(2, argv1, &o), OPTIONS_EXIT_OK);
  assert_int_equal(options_parse(2, argv2, &o), OPTIONS_RUN);
  assert_int_equal(o.debug, 1);
  assert_false(o.no_clock_control);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_numbers),
    cmocka_unit_test(test_chronyd_flags),
    cmocka_unit_test(test_bad_numbers),
    cmocka_unit_test(test_parses_are_independent),
  };
  return cmocka_run_group_tests_name("daemon_options", tests, NULL, NULL);
}
