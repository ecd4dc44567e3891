/* Tests of conf/conf_lexer: lines, comments and words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "conf/conf_lexer.h"

static enum conf_lex split(const char *text, struct conf_words *w)
{
  struct conf_line line = {.start = text, .len = strlen(text), .newline = false};
  return conf_split(&line, w);
}

static void test_lines(void **state)
{
  (void)state;
  static const char text[] = "a\r\n\nb c\nlast";
  struct conf_line l;
  size_t pos = 0;
  assert_true(conf_next_line(text, sizeof(text) - 1, &pos, &l));
  assert_int_equal(l.len, 2);
  assert_memory_equal(l.start, "a\r", 2);
  assert_true(l.newline);
  assert_true(conf_next_line(text, sizeof(text) - 1, &pos, &l));
  assert_int_equal(l.len, 0);
  assert_true(conf_next_line(text, sizeof(text) - 1, &pos, &l));
  assert_int_equal(l.len, 3);
  assert_true(conf_next_line(text, sizeof(text) - 1, &pos, &l));
  assert_int_equal(l.len, 4);
  assert_false(l.newline);
  assert_false(conf_next_line(text, sizeof(text) - 1, &pos, &l));
  pos = 0;
  assert_false(conf_next_line("", 0, &pos, &l));
}

static void test_words(void **state)
{
  (void)state;
  struct conf_words w;
  assert_int_equal(split(" \tserver  a.example\fiburst\v minpoll\r4 ", &w), CONF_LEX_WORDS);
  assert_int_equal(w.n, 5);
  assert_string_equal(w.v[0], "server");
  assert_string_equal(w.v[1], "a.example");
  assert_string_equal(w.v[2], "iburst");
  assert_string_equal(w.v[3], "minpoll");
  assert_string_equal(w.v[4], "4");
  /* No trailing comments: '#' inside a line is a word. */
  assert_int_equal(split("port 1 # x", &w), CONF_LEX_WORDS);
  assert_int_equal(w.n, 4);
  assert_string_equal(w.v[2], "#");
  assert_int_equal(split("port#1", &w), CONF_LEX_WORDS);
  assert_string_equal(w.v[0], "port#1");
}

static void test_blank_and_comments(void **state)
{
  (void)state;
  struct conf_words w;
  static const char *const blank[] = {"", "   ", "\t\r", "#x", "!x", ";x", "%x", "  # x",
                                      "\t!", "#"};
  for (size_t i = 0; i < sizeof(blank) / sizeof(blank[0]); i++)
    assert_int_equal(split(blank[i], &w), CONF_LEX_BLANK);
  assert_int_equal(split("x#", &w), CONF_LEX_WORDS);
  assert_int_equal(split("&x", &w), CONF_LEX_WORDS);
}

static void test_too_long(void **state)
{
  (void)state;
  static char text[CONF_LINE_MAX + 10];
  struct conf_words w;
  struct conf_line l = {.start = text};
  memset(text, 'x', sizeof(text));
  memcpy(text, "server ", 7);
  l.len = CONF_LINE_MAX - 1;                 /* 2047 without a newline: accepted */
  assert_int_equal(conf_split(&l, &w), CONF_LEX_WORDS);
  l.newline = true;                          /* 2047 and the newline: too long */
  assert_int_equal(conf_split(&l, &w), CONF_LEX_TOO_LONG);
  assert_string_equal(w.v[0], "server");    /* the directive is still known */
  l.len = CONF_LINE_MAX - 2;
  assert_int_equal(conf_split(&l, &w), CONF_LEX_WORDS);
  l.len = sizeof(text);
  l.newline = false;
  assert_int_equal(conf_split(&l, &w), CONF_LEX_TOO_LONG);
  text[0] = '#';                             /* long comments too, as chrony */
  assert_int_equal(conf_split(&l, &w), CONF_LEX_TOO_LONG);
}

static void test_most_words(void **state)
{
  (void)state;
  static char text[CONF_LINE_MAX];
  struct conf_words w;
  for (size_t i = 0; i < sizeof(text) - 1; i++)
    text[i] = i % 2 ? ' ' : 'a';
  text[sizeof(text) - 1] = '\0';
  assert_int_equal(split(text, &w), CONF_LEX_WORDS);
  assert_int_equal(w.n, CONF_MAX_WORDS);
  assert_string_equal(w.v[CONF_MAX_WORDS - 1], "a");
}

static void test_nul(void **state)
{
  (void)state;
  static const char text[] = "port 1\0 2";
  struct conf_words w;
  struct conf_line l = {.start = text, .len = sizeof(text) - 1};
  assert_int_equal(conf_split(&l, &w), CONF_LEX_NUL);
  assert_int_equal(w.n, 2);
  l.start = "# c\0x";
  l.len = 5;
  assert_int_equal(conf_split(&l, &w), CONF_LEX_BLANK);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_lines),
    cmocka_unit_test(test_words),
    cmocka_unit_test(test_blank_and_comments),
    cmocka_unit_test(test_too_long),
    cmocka_unit_test(test_most_words),
    cmocka_unit_test(test_nul),
  };
  return cmocka_run_group_tests_name("conf_lexer", tests, NULL, NULL);
}
