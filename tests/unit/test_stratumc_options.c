/* Unit tests for src/stratumc/options.c: chronyc's options, and rejections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stratumc/options.h"

#define ARGV(...) ((char *[]){"stratumc", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"stratumc", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(o, ...) sc_options_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (o), err, sizeof(err))

static char err[128];

static void test_defaults(void **state)
{
  struct sc_options o;
  char *argv[] = {"stratumc", NULL};
  (void)state;
  assert_int_equal(sc_options_parse(1, argv, &o, err, sizeof(err)), SC_OPT_RUN);
  assert_string_equal(o.hosts, "/run/stratumd/stratumd.sock,127.0.0.1,::1");
  assert_int_equal(o.port, 323);
  assert_int_equal(o.first_command, 1);
  assert_false(o.csv || o.json || o.multi || o.no_dns || o.source_names || o.debug);
}

static void test_options_then_command(void **state)
{
  struct sc_options o;
  (void)state;
  assert_int_equal(PARSE(&o, "-c", "-n", "-h", "/run/x.sock", "-p", "1323", "-4", "sources", "-v"),
                   SC_OPT_RUN);
  assert_true(o.csv && o.no_dns);
  assert_string_equal(o.hosts, "/run/x.sock");
  assert_int_equal(o.port, 1323);
  assert_int_equal(o.family, 4);
  assert_int_equal(o.first_command, 8);      /* "-v" after it belongs to the command */
}

static void test_bundled_and_attached(void **state)
{
  struct sc_options o;
  (void)state;
  assert_int_equal(PARSE(&o, "-cmj6", "-p323", "-h127.0.0.1", "tracking"), SC_OPT_RUN);
  assert_true(o.csv && o.multi && o.json);
  assert_int_equal(o.family, 6);
  assert_int_equal(o.port, 323);
  assert_string_equal(o.hosts, "127.0.0.1");
  assert_int_equal(PARSE(&o, "-ec", "tracking"), SC_OPT_RUN);   /* chronyc 4.8's -e */
  assert_true(o.end_dot && o.csv);
  assert_int_equal(PARSE(&o, "-nN", "sources"), SC_OPT_RUN);     /* -N: sources' names */
  assert_true(o.no_dns && o.source_names);
  assert_int_equal(PARSE(&o, "-a", "-f", "/etc/chrony.conf", "-d", "--", "-x"), SC_OPT_RUN);
  assert_true(o.debug && !o.end_dot);
  assert_int_equal(o.first_command, 6);
}

static void test_help_and_version(void **state)
{
  struct sc_options o;
  (void)state;
  assert_int_equal(PARSE(&o, "-v"), SC_OPT_VERSION);
  assert_int_equal(PARSE(&o, "-n", "tracking", "--version"), SC_OPT_VERSION);
  assert_int_equal(PARSE(&o, "sources", "--help"), SC_OPT_HELP);
  assert_int_equal(PARSE(&o, "-cv"), SC_OPT_VERSION);
}

static void test_rejections(void **state)
{
  struct sc_options o;
  (void)state;
  assert_int_equal(PARSE(&o, "-x"), SC_OPT_ERROR);
  assert_string_equal(err, "unknown option -x");
  assert_int_equal(PARSE(&o, "-p"), SC_OPT_ERROR);
  assert_string_equal(err, "option -p needs an argument");
  assert_int_equal(PARSE(&o, "-h"), SC_OPT_ERROR);
  assert_int_equal(PARSE(&o, "-p", "abc"), SC_OPT_ERROR);
  assert_string_equal(err, "invalid port \"abc\"");
  assert_int_equal(PARSE(&o, "-p", "65536"), SC_OPT_ERROR);
  assert_int_equal(PARSE(&o, "-p", "-1"), SC_OPT_ERROR);
  assert_int_equal(PARSE(&o, "-p", "12x"), SC_OPT_ERROR);
  assert_int_equal(PARSE(&o, "-h", ""), SC_OPT_ERROR);
  assert_int_equal(PARSE(&o, "-cz"), SC_OPT_ERROR);
  assert_int_equal(PARSE(&o, "--frobnicate"), SC_OPT_ERROR);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_defaults),
    cmocka_unit_test(test_options_then_command),
    cmocka_unit_test(test_bundled_and_attached),
    cmocka_unit_test(test_help_and_version),
    cmocka_unit_test(test_rejections),
  };
  return cmocka_run_group_tests_name("stratumc_options", tests, NULL, NULL);
}
