/* conf/conf_diff: which directives a reload changes, which it applies and
 * which need a restart, with the lines removed and added and where the
 * directive is written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "conf/conf_diff.h"
#include "conf/conf_directives.h"
#include "conf/config.h"

static void parse(struct config *c, const char *text)
{
  struct conf_diag d = {0};
  conf_init(c);
  conf_parse_text(c, text, strlen(text), "t.conf", &d);
  assert_int_equal(d.n_errors, 0);
  conf_diag_free(&d);
}

/* The diff of two texts, as at a first reload (started = applied). */
static void diff(const char *old_text, const char *new_text, struct conf_diff *out)
{
  struct config a, b;
  parse(&a, old_text);
  parse(&b, new_text);
  conf_diff_compute(&a, &a, &b, out);
  /* The items point to the new config's file names: describe them now. */
  for (unsigned i = 0; i < out->n; i++)
    out->items[i].file = out->items[i].file ? "t.conf" : NULL;
  conf_free(&a);
  conf_free(&b);
}

static bool has(const struct conf_strings *l, const char *s)
{
  for (unsigned i = 0; i < l->n; i++)
    if (strcmp(l->v[i], s) == 0)
      return true;
  return false;
}

static void test_same_text_no_change(void **state)
{
  (void)state;
  struct conf_diff d;
  const char *text = "server 192.0.2.1 iburst\nallow 10.0.0.0/8\nport 1123\nlocal stratum 5\n";
  diff(text, text, &d);
  assert_int_equal(d.n, 0);
  conf_diff_free(&d);
  /* Comments, order of other directives and blank lines change nothing. */
  diff("port 1123\n\nmakestep 1 3\n", "# a comment\nmakestep 1.0 3\nport 1123\n", &d);
  assert_int_equal(d.n, 0);
  conf_diff_free(&d);
}

static void test_sources_and_access_are_applied(void **state)
{
  (void)state;
  struct conf_diff d;
  diff("server 192.0.2.1 iburst\nserver 192.0.2.2\nallow 10.0.0.0/8\n",
       "server 192.0.2.1 iburst\npool 192.0.2.3\ndeny 10.1.0.0/16\nallow 10.0.0.0/8\n", &d);
  assert_int_equal(d.n, 2);
  const struct conf_diff_item *s = conf_diff_find(&d, "server");
  assert_non_null(s);
  assert_int_equal(s->change, CONF_CHANGE_APPLY);
  assert_int_equal(s->before.n, 1);
  assert_int_equal(s->after.n, 1);
  assert_true(strstr(s->before.v[0], "192.0.2.2") && strstr(s->after.v[0], "pool 192.0.2.3"));
  const struct conf_diff_item *a = conf_diff_find(&d, "allow");
  assert_non_null(a);
  assert_int_equal(a->change, CONF_CHANGE_APPLY);
  assert_int_equal(a->before.n, 0);
  assert_true(a->after.n == 1 && strstr(a->after.v[0], "deny 10.1.0.0/16"));
  conf_diff_free(&d);
}

static void test_restart_directives(void **state)
{
  (void)state;
  struct conf_diff d;
  char text[256];
  diff("port 1123\nbindcmdaddress 127.0.0.1\nuser ntp\nratelimit interval 1\n",
       "port 1124\nbindcmdaddress 127.0.0.2\nuser chrony\nratelimit interval 2\n"
       "lock_all\nsched_priority 1\n", &d);
  const char *restart[] = {"port", "bindcmdaddress", "user", "lock_all", "sched_priority"};
  for (size_t i = 0; i < sizeof(restart) / sizeof(restart[0]); i++) {
    const struct conf_diff_item *it = conf_diff_find(&d, restart[i]);
    assert_non_null(it);
    assert_int_equal(it->change, CONF_CHANGE_RESTART);
  }
  const struct conf_diff_item *p = conf_diff_find(&d, "port");
  assert_true(has(&p->before, "port 1123") && has(&p->after, "port 1124"));
  assert_int_equal(p->line, 1);
  conf_diff_describe(p, text, sizeof(text));
  assert_string_equal(text, "t.conf:1: port: needs a restart");
  const struct conf_diff_item *r = conf_diff_find(&d, "ratelimit");
  assert_int_equal(r->change, CONF_CHANGE_APPLY);
  assert_int_equal(d.n, 6);
  conf_diff_free(&d);
}

/* A directive removed is reported where the old file had it. */
static void test_removed_directive_keeps_old_line(void **state)
{
  (void)state;
  struct conf_diff d;
  char text[256];
  diff("makestep 1 3\n\npidfile /run/x.pid\n", "makestep 1 3\n", &d);
  assert_int_equal(d.n, 1);
  assert_true(d.items[0].removed);
  assert_int_equal(d.items[0].line, 3);
  conf_diff_describe(&d.items[0], text, sizeof(text));
  assert_string_equal(text, "t.conf:3: pidfile: needs a restart (removed)");
  conf_diff_free(&d);
}

/* Run-time directives are compared with what was applied last, the others
 * with what the daemon started with: a port changed by an earlier reload
 * still needs a restart, a makestep applied earlier is no change. */
static void test_started_and_applied(void **state)
{
  (void)state;
  struct config started, applied, next;
  struct conf_diff d;
  parse(&started, "port 1123\nmakestep 1 3\n");
  parse(&applied, "port 1124\nmakestep 0.1 -1\n");
  parse(&next, "port 1124\nmakestep 0.1 -1\n");
  conf_diff_compute(&started, &applied, &next, &d);
  assert_int_equal(d.n, 1);
  assert_string_equal(d.items[0].directive, "port");
  assert_int_equal(d.items[0].change, CONF_CHANGE_RESTART);
  conf_diff_free(&d);
  conf_free(&started);
  conf_free(&applied);
  conf_free(&next);
}

/* Every directive the brief lists as run-time is marked so in the table,
 * and those that cannot change are not. */
static void test_table_runtime_flags(void **state)
{
  (void)state;
  const char *runtime[] = {"server", "pool", "peer", "sourcedir", "allow", "deny", "cmdallow",
                           "cmddeny", "ratelimit", "cmdratelimit", "local", "log", "logdir",
                           "logchange", "makestep", "maxupdateskew", "maxchange",
                           "maxdistance", "maxjitter", "minsources", "combinelimit",
                           "reselectdist", "stratumweight", "keyfile", "metricsport",
                           "driftfile", "dumpdir"};
  const char *restart[] = {"port", "bindaddress", "bindcmdaddress", "cmdport", "user",
                           "pidfile", "lock_all", "sched_priority", "serverworkers",
                           "clientloglimit", "noclientlog", "acquisitionport"};
  for (size_t i = 0; i < sizeof(runtime) / sizeof(runtime[0]); i++)
    assert_true(conf_directive_find(runtime[i])->runtime);
  for (size_t i = 0; i < sizeof(restart) / sizeof(restart[0]); i++)
    assert_false(conf_directive_find(restart[i])->runtime);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_same_text_no_change),
    cmocka_unit_test(test_sources_and_access_are_applied),
    cmocka_unit_test(test_restart_directives),
    cmocka_unit_test(test_removed_directive_keeps_old_line),
    cmocka_unit_test(test_started_and_applied),
    cmocka_unit_test(test_table_runtime_flags),
  };
  return cmocka_run_group_tests_name("conf_diff", tests, NULL, NULL);
}
