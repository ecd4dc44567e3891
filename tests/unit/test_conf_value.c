/* Tests of conf/conf_value (argument words) and conf/conf_fields (the
 * typed-field engine behind directives and option lists). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_fields.h"
#include "conf/conf_value.h"

static void test_integers(void **state)
{
  (void)state;
  long long v;
  assert_true(conf_to_integer("0", 0, 10, &v) && v == 0);
  assert_true(conf_to_integer("+7", 0, 10, &v) && v == 7);
  assert_true(conf_to_integer("-7", -10, 10, &v) && v == -7);
  assert_true(conf_to_integer("010", 0, 10, &v) && v == 10);   /* decimal, not octal */
  assert_true(conf_to_integer("9223372036854775807", 0, LLONG_MAX, &v) && v == LLONG_MAX);
  static const char *const bad[] = {"", "-", "+", " 1", "1 ", "1x", "0x10", "1.0", "1e2",
                                    "--1", "+-1", "11", "-11", "9223372036854775808"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if (conf_to_integer(bad[i], -10, 10, &v))
      fail_msg("accepted '%s'", bad[i]);
  }
  uint64_t u;
  assert_true(conf_to_u64("18446744073709551615", &u) && u == UINT64_MAX);
  assert_false(conf_to_u64("18446744073709551616", &u));
  assert_false(conf_to_u64("-1", &u));
  assert_false(conf_to_u64("+1", &u));
  assert_false(conf_to_u64("", &u));
}

static void test_doubles(void **state)
{
  (void)state;
  double d;
  assert_true(conf_to_double("1", &d) && d == 1.0);
  assert_true(conf_to_double("-0.5", &d) && d == -0.5);
  assert_true(conf_to_double("+1e-9", &d) && d == 1e-9);
  assert_true(conf_to_double(".5", &d) && d == 0.5);
  assert_true(conf_to_double("0x10", &d) && d == 16.0);
  assert_true(conf_to_double("1e-400", &d) && d == 0.0);   /* underflow is harmless */
  static const char *const bad[] = {"", "x", "1.0s", "1,5", "nan", "inf", "-infinity",
                                    "1e400", " 1", "1 ", "--1"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if (conf_to_double(bad[i], &d))
      fail_msg("accepted '%s'", bad[i]);
  }
}

static void test_format_double(void **state)
{
  (void)state;
  char buf[CONF_NUM_LEN];
  assert_string_equal(conf_fmt_double(3.0, buf), "3");
  assert_string_equal(conf_fmt_double(7200.0, buf), "7200");
  assert_string_equal(conf_fmt_double(0.1, buf), "0.1");
  assert_string_equal(conf_fmt_double(1e-9, buf), "1e-09");
  assert_string_equal(conf_fmt_double(-0.00005, buf), "-5e-05");
  assert_string_equal(conf_fmt_double(1e6 / 12.0, buf), "83333.33333333333");
  assert_string_equal(conf_fmt_double(1e300, buf), "1e+300");
  /* Always reads back as the same number. */
  srand(1);
  for (int i = 0; i < 10000; i++) {
    double v = ((double)rand() / RAND_MAX - 0.5) * pow(10.0, rand() % 40 - 20);
    assert_true(strtod(conf_fmt_double(v, buf), NULL) == v);
  }
}

struct sample {
  bool flag;
  int set, i;
  uint16_t port;
  uint32_t u32, refid;
  uint64_t u64;
  double d;
  char *s;
  int kw;
};

#define OFF(m) offsetof(struct sample, m)
static const char *const kws[] = {NULL, "one", "two"};
static const struct conf_field fields[] = {
  {.name = "flag", .type = CONF_T_FLAG, .offset = OFF(flag)},
  {.name = "six", .type = CONF_T_SET, .offset = OFF(set), .min = 6},
  {.name = "int", .type = CONF_T_INT, .offset = OFF(i), .min = -5, .max = 5, .always = true},
  {.name = "port", .type = CONF_T_U16, .offset = OFF(port)},
  {.name = "u32", .type = CONF_T_U32, .offset = OFF(u32), .min = 1, .max = UINT32_MAX},
  {.name = "refid", .type = CONF_T_REFID, .offset = OFF(refid)},
  {.name = "u64", .type = CONF_T_U64, .offset = OFF(u64)},
  {.name = "d", .type = CONF_T_DOUBLE, .offset = OFF(d)},
  {.name = "s", .type = CONF_T_STRING, .offset = OFF(s)},
  {.name = "kw", .type = CONF_T_KEYWORD, .offset = OFF(kw), .keywords = kws, .n_keywords = 3},
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

static bool parse(struct sample *s, struct conf_diag *d, const char *const *argv, int argc)
{
  struct conf_ctx x = {.diag = d, .file = "f", .line = 1, .directive = "test"};
  return conf_options_parse(&x, fields, N_FIELDS, s, argc, argv);
}

static void test_fields_parse_and_print(void **state)
{
  (void)state;
  struct sample s = {0}, def = {0};
  struct conf_diag d = {0};
  const char *const argv[] = {"FLAG", "six", "int", "-5", "port", "65535", "u32", "4294967295",
                              "refid", "AB", "u64", "18446744073709551615", "d", "0.25",
                              "s", "text", "kw", "TWO"};
  assert_true(parse(&s, &d, argv, sizeof(argv) / sizeof(argv[0])));
  assert_true(s.flag);
  assert_int_equal(s.set, 6);
  assert_int_equal(s.i, -5);
  assert_int_equal(s.port, 65535);
  assert_int_equal(s.u32, UINT32_MAX);
  assert_int_equal(s.refid, 0x41420000);
  assert_true(s.u64 == UINT64_MAX);
  assert_true(s.d == 0.25);
  assert_string_equal(s.s, "text");
  assert_int_equal(s.kw, 2);

  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  conf_options_print(out, fields, N_FIELDS, &s, &def);
  fclose(out);
  assert_string_equal(text, " flag six int -5 port 65535 u32 4294967295 refid AB "
                      "u64 18446744073709551615 d 0.25 s text kw two");
  free(text);
  text = NULL;
  out = open_memstream(&text, &size);
  conf_options_print(out, fields, N_FIELDS, &def, &def);   /* only `always` fields */
  fclose(out);
  assert_string_equal(text, " int 0");
  free(text);
  free(s.s);
  assert_int_equal(d.n, 0);
}

static void test_fields_errors(void **state)
{
  (void)state;
  static const struct {
    const char *argv[2];
    int argc;
    const char *message;
  } cases[] = {
    {{"nope"}, 1, "f:1: test: unknown option 'nope'"},
    {{"int"}, 1, "f:1: test: int: missing value"},
    {{"int", "6"}, 2, "f:1: test: int: expected an integer from -5 to 5, got '6'"},
    {{"port", "-1"}, 2, "f:1: test: port: expected a port number 0-65535, got '-1'"},
    {{"u32", "0"}, 2, "f:1: test: u32: expected an integer 1-4294967295, got '0'"},
    {{"refid", "ABCDE"}, 2,
     "f:1: test: refid: expected a reference ID of 1 to 4 characters, got 'ABCDE'"},
    {{"u64", "x"}, 2, "f:1: test: u64: expected an integer >= 0, got 'x'"},
    {{"d", "1d"}, 2, "f:1: test: d: expected a number, got '1d'"},
    {{"kw", "three"}, 2, "f:1: test: kw: expected one of one two, got 'three'"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct sample s = {0};
    struct conf_diag d = {0};
    assert_false(parse(&s, &d, cases[i].argv, cases[i].argc));
    assert_int_equal(d.n_errors, 1);
    assert_string_equal(d.items[0].text, cases[i].message);
    conf_diag_free(&d);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_integers),
    cmocka_unit_test(test_doubles),
    cmocka_unit_test(test_format_double),
    cmocka_unit_test(test_fields_parse_and_print),
    cmocka_unit_test(test_fields_errors),
  };
  return cmocka_run_group_tests_name("conf_value", tests, NULL, NULL);
}
