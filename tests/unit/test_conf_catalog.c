/* conf_catalog: one line per directive and per source option, each with the
 * status the parser's tables give it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_catalog.h"
#include "conf/conf_directives.h"
#include "conf/conf_source.h"

static char *printed(void)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  conf_catalog_print(f);
  assert_int_equal(fclose(f), 0);
  return buf;
}

static void test_a_line_for_each_directive_and_option(void **state)
{
  (void)state;
  char *text = printed();
  size_t n_options, lines = 0;
  conf_source_options(&n_options);
  for (const char *p = text; (p = strchr(p, '\n')); p++)
    lines++;
  assert_int_equal(lines, conf_directive_count() + n_options);
  for (unsigned i = 0; i < conf_directive_count(); i++) {
    char want[96];
    snprintf(want, sizeof(want), "directive\t%s\t", conf_directive_at(i)->name);
    assert_non_null(strstr(text, want));
  }
  free(text);
}

static void test_statuses_follow_the_tables(void **state)
{
  (void)state;
  char *text = printed();
  assert_non_null(strstr(text, "directive\tserver\tacted\n"));
  assert_non_null(strstr(text, "directive\tcommandkey\tobsolete\n"));
  assert_non_null(strstr(text, "directive\tdumponexit\tobsolete-silent\n"));
  assert_non_null(strstr(text, "option\tserver\tiburst\tacted\n"));
  free(text);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_a_line_for_each_directive_and_option),
    cmocka_unit_test(test_statuses_follow_the_tables),
  };
  return cmocka_run_group_tests_name("conf_catalog", tests, NULL, NULL);
}
