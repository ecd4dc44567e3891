/* sim/scenarios: a scenario's client is configured by chrony.conf text.
 * Every scenario's text (and its smearing server's) reads without a
 * message, and maps to the same core parameters as the same text read by
 * stratumd from a file; a bad text stops the scenario with the parser's
 * NAME:LINE, and so do a refclock line the core refuses and a text
 * without sources. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf_client.h"
#include "conf/config.h"
#include "core/reference.h"
#include "core/refclock.h"
#include "sim/scenario_table.h"
#include "sim/scenarios.h"

#define MAX_MAPPED_SOURCES 16

/* Everything the core gets from a configuration, the daemon's way. */
struct mapped {
  struct client_params client;
  struct refstate ref;
  unsigned n_sources, n_refclocks;
  struct srclist_source sources[MAX_MAPPED_SOURCES];
  struct rcl_params refclocks[SCENARIO_MAX_REFCLOCKS];
};

static void map(const struct config *c, struct mapped *m)
{
  char err[160];
  memset(m, 0, sizeof(*m));
  conf_client_params(c, true, &m->client);
  conf_reference(c, -20, &(struct timespec){0}, &m->ref);
  assert_in_range(c->n_sources, 0, MAX_MAPPED_SOURCES);
  assert_in_range(c->n_refclocks, 0, SCENARIO_MAX_REFCLOCKS);
  m->n_sources = c->n_sources;
  m->n_refclocks = c->n_refclocks;
  for (unsigned i = 0; i < c->n_sources; i++)
    conf_srclist_source(&c->sources[i], &m->sources[i]);
  for (unsigned i = 0; i < c->n_refclocks; i++)
    assert_true(conf_client_refclock(c, i, &m->refclocks[i], err, sizeof(err)));
}

/* What the parser said, as one string (NUL-terminated). */
static char *messages(FILE *f, char *buf, size_t len)
{
  size_t n;
  rewind(f);
  n = fread(buf, 1, len - 1, f);
  buf[n] = '\0';
  return buf;
}

/* text read as the simulator reads it, and by stratumd from a file. */
static void check_same_mapping(const char *name, const char *text)
{
  char dir[] = "/tmp/test_scenarios.XXXXXX", path[64], said[1024];
  struct config sim, daemon;
  struct conf_diag d = {0};
  struct mapped a, b;
  FILE *err = tmpfile();
  assert_non_null(err);
  assert_true(scenario_parse_conf(name, text, &sim, err));
  assert_string_equal(messages(err, said, sizeof(said)), "");
  fclose(err);

  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/chrony.conf", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_int_equal(fputs(text, f) >= 0, 1);
  assert_int_equal(fclose(f), 0);
  conf_init(&daemon);
  assert_int_equal(conf_load_file(&daemon, path, &d), 0);
  assert_int_equal(d.n, 0);
  unlink(path);
  rmdir(dir);

  map(&sim, &a);
  map(&daemon, &b);
  assert_memory_equal(&a, &b, sizeof(a));
  conf_free(&sim);
  conf_free(&daemon);
  conf_diag_free(&d);
}

static void test_every_scenario_maps_as_the_daemon(void **state)
{
  (void)state;
  assert_true(scenario_count() > 0);
  for (size_t i = 0; i < scenario_count(); i++) {
    const struct scenario *s = scenario_get(i);
    check_same_mapping(s->name, s->conf);
    if (s->smear_conf)
      check_same_mapping(s->name, s->smear_conf);
  }
}

static void test_bad_text_names_scenario_and_line(void **state)
{
  (void)state;
  char said[1024];
  struct config c;
  FILE *err = tmpfile();
  assert_non_null(err);
  assert_false(scenario_parse_conf("bad-one", "server 192.168.123.1\nmakestep 1\n", &c, err));
  assert_non_null(strstr(messages(err, said, sizeof(said)), "bad-one:2: makestep"));
  fclose(err);
}

/* A scenario whose text is wrong does not run. */
static void test_bad_scenarios_do_not_run(void **state)
{
  (void)state;
  static const char *const texts[] = {
    "server 192.168.123.1 minpoll\n",              /* the parser refuses it */
    "refclock RTC /dev/rtc0\nrtcsync\n",           /* the core's mapping refuses it */
    "refclock SOCK /tmp/x.sock tai\n",             /* the same */
    "makestep 1 3\n",                              /* no source */
  };
  for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
    struct scenario s = {.name = "bad", .conf = texts[i], .duration = 10.0, .n_servers = 1};
    struct scenario_result r;
    assert_int_equal(scenario_run(&s, 1, NULL, &r), -EINVAL);
  }
  struct scenario s = {.name = "bad", .conf = "server " SCENARIO_SMEAR_ADDR "\n",
                       .smear_conf = "smoothtime 400\n", .duration = 10.0, .n_servers = 1};
  struct scenario_result r;
  assert_int_equal(scenario_run(&s, 1, NULL, &r), -EINVAL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_every_scenario_maps_as_the_daemon),
    cmocka_unit_test(test_bad_text_names_scenario_and_line),
    cmocka_unit_test(test_bad_scenarios_do_not_run),
  };
  return cmocka_run_group_tests_name("scenarios", tests, NULL, NULL);
}
