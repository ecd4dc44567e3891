/* Unit tests for src/stratumc/out.c: one format, three forms (human, CSV as
 * chronyc -c, JSON). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stratumc/out.h"

static const char row_format[] =
  "%c{mode}%c{state} %-27s{name}  %2d{stratum}  %2d{poll}   %3o{reach}  "
  "%I{last_rx}  %+S{adjusted}[%+S{measured}] +/- %S{error}\n";

/* Render one command with a sources-like row in `mode`. */
static char *render(enum sc_mode mode, bool list)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  struct sc_out o;
  const union sc_val v[] = {SV_I('^'), SV_I('*'), SV_S("localhost"), SV_I(3), SV_I(4),
                            SV_I(017), SV_I(4), SV_D(11e-9), SV_D(284e-9), SV_D(3130e-9)};
  sc_out_init(&o, f, mode);
  sc_out_begin(&o, "sources");
  sc_out_header(&o, "MS Name");
  if (list)
    sc_out_list(&o, "sources");
  sc_out_record(&o, row_format, v, 10);
  sc_out_end(&o);
  fclose(f);
  return text;
}

static void test_human(void **state)
{
  (void)state;
  char *t = render(SC_HUMAN, true);
  assert_string_equal(t, "MS Name\n=======\n"
                         "^* localhost                     3   4    17     4    +11ns[ +284ns] +/- 3130ns\n");
  free(t);
}

static void test_csv_as_chronyc(void **state)
{
  (void)state;
  char *t = render(SC_CSV, true);
  assert_string_equal(t, "^,*,localhost,3,4,17,4,0.000000011,0.000000284,0.000003130\n");
  free(t);
}

static void test_json(void **state)
{
  (void)state;
  char *t = render(SC_JSON, true);
  assert_string_equal(t, "{\"command\":\"sources\",\"sources\":[{\"mode\":\"^\",\"state\":\"*\","
                         "\"name\":\"localhost\",\"stratum\":3,\"poll\":4,\"reach\":15,"
                         "\"last_rx\":4,\"adjusted\":1.1e-08,\"measured\":2.84e-07,"
                         "\"error\":3.13e-06}]}\n");
  free(t);
}

static char *render_tracking(enum sc_mode mode, double correction, const char *status)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  struct sc_out o;
  struct timespec t = {1795579939, 824656434};
  const union sc_val v[] = {SV_I(0x7f000001), SV_S("a\"b"), SV_T(&t), SV_D(correction),
                            SV_D(0.009), SV_I(0), SV_I(0), SV_I(UINT32_MAX), SV_I(1)};
  sc_out_init(&o, f, mode);
  sc_out_begin(&o, "tracking");
  sc_out_record(&o, "ID %R{ref_id} (%s{name})\nTime %T{ref_time}\nSystem %.9O{corr}\n"
                    "Freq %.3F{freq}\nLeap %L{leap} %1L\nLast %I{last}\nOK %B{ok}\n", v, 9);
  if (status)
    sc_out_status(&o, status);
  sc_out_end(&o);
  fclose(f);
  return text;
}

static void test_fast_slow_and_times(void **state)
{
  (void)state;
  char *t = render_tracking(SC_HUMAN, -1.427e-6, NULL);
  assert_string_equal(t, "ID 7F000001 (a\"b)\nTime Wed Nov 25 04:12:19 2026\n"
                         "System 0.000001427 seconds fast\nFreq 0.009 ppm fast\n"
                         "Leap Normal N\nLast    -\nOK Yes\n");
  free(t);
  t = render_tracking(SC_CSV, 2e-6, NULL);
  assert_string_equal(t, "7F000001,a\"b,1795579939.824656434,0.000002000,0.009,Normal,Normal,"
                         "4294967295,Yes\n");
  free(t);
  t = render_tracking(SC_JSON, 2e-6, "501 Not authorised");
  assert_string_equal(t, "{\"command\":\"tracking\",\"ref_id\":\"7F000001\",\"name\":\"a\\\"b\","
                         "\"ref_time\":1795579939.824656434,\"corr\":2e-06,\"freq\":0.009,"
                         "\"leap\":\"Normal\",\"last\":null,\"ok\":true,\"status\":501,"
                         "\"message\":\"Not authorised\"}\n");
  free(t);
}

static void test_status_lines(void **state)
{
  (void)state;
  char *t = render_tracking(SC_CSV, 0.0, "506 Cannot talk to daemon");
  assert_non_null(strstr(t, "\n506 Cannot talk to daemon\n"));
  free(t);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_human),
    cmocka_unit_test(test_csv_as_chronyc),
    cmocka_unit_test(test_json),
    cmocka_unit_test(test_fast_slow_and_times),
    cmocka_unit_test(test_status_lines),
  };
  return cmocka_run_group_tests_name("stratumc_out", tests, NULL, NULL);
}
