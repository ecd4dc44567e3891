/* Unit tests for src/stratumc/svg.c: round axes, points drawn where the
 * axes put them, ticks and labels in UTC and in a readable unit, text
 * escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stratumc/svg.h"

/* 2026-12-07 02:51:30 UTC */
#define T0 (20794.0 * 86400 + 2 * 3600 + 51 * 60 + 30)

static void test_axis(void **state)
{
  (void)state;
  struct sc_axis a;
  sc_svg_axis(-2e-6, 3e-6, &a);
  assert_true(fabs(a.step - 1e-6) < 1e-18);
  assert_true(fabs(a.lo + 2e-6) < 1e-18 && fabs(a.hi - 3e-6) < 1e-18);
  sc_svg_axis(-12.3, -11.9, &a);                     /* 0.08 -> 0.1 */
  assert_true(fabs(a.step - 0.1) < 1e-12);
  assert_true(a.lo <= -12.3 && a.lo > -12.3 - a.step && a.hi >= -11.9 && a.hi < -11.9 + a.step);
  sc_svg_axis(5e-6, 5e-6, &a);                       /* one value: around it */
  assert_true(a.lo < 5e-6 && a.hi > 5e-6 && a.step > 0);
  sc_svg_axis(0, 0, &a);
  assert_true(a.lo < 0 && a.hi > 0 && a.step > 0);
  sc_svg_axis(1e-300, 3e-300, &a);                   /* too narrow to divide */
  assert_true(a.lo < 1e-300 && a.hi > 3e-300 && a.step >= 1e-13);
  assert_true(sc_svg_y(a.lo, &a) == SC_SVG_BOTTOM && sc_svg_y(a.hi, &a) == SC_SVG_TOP);
  assert_true(sc_svg_x(T0, T0, T0 + 60) == SC_SVG_LEFT);
  assert_true(sc_svg_x(T0 + 60, T0, T0 + 60) == SC_SVG_RIGHT);
}

static void test_seconds(void **state)
{
  (void)state;
  char b[32];
  sc_svg_seconds(b, sizeof(b), 1.5e-3);
  assert_string_equal(b, "1.5 ms");
  sc_svg_seconds(b, sizeof(b), -2.25e-5);
  assert_string_equal(b, "-22.5 \xc2\xb5s");
  sc_svg_seconds(b, sizeof(b), 3.0);
  assert_string_equal(b, "3 s");
  sc_svg_seconds(b, sizeof(b), 4e-11);
  assert_string_equal(b, "0.04 ns");
  sc_svg_seconds(b, sizeof(b), 0.0);
  assert_string_equal(b, "0 s");
}

static int count(const char *text, const char *needle)
{
  int n = 0;
  for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
    n++;
  return n;
}

static char *render(const struct sc_chart *c)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  assert_non_null(f);
  sc_svg_chart(f, c);
  fclose(f);
  return text;
}

static void test_points_where_computed(void **state)
{
  (void)state;
  struct sc_series s = {0}, empty = {0};
  const double t[] = {T0, T0 + 30, T0 + 60}, v[] = {0.0, -2e-6, 3e-6};
  for (int i = 0; i < 3; i++)
    assert_true(sc_series_add(&s, t[i], v[i]));
  const struct sc_line lines[] = {{"<a&b>", &s, 0, false, true}, {"none", &empty, 1, false, true}};
  const struct sc_chart c = {"Offset \"x\"", SC_UNIT_SECONDS, T0, T0 + 60, lines, 2};
  char *svg = render(&c);
  /* the axis is -2 us .. 3 us: the points at the bottom, 2/5 up, the top */
  double h = SC_SVG_BOTTOM - SC_SVG_TOP, mid = (SC_SVG_LEFT + SC_SVG_RIGHT) / 2;
  char want[200];
  snprintf(want, sizeof(want), "points=\"%.2f,%.2f %.2f,%.2f %.2f,%.2f\"", SC_SVG_LEFT,
           SC_SVG_BOTTOM - h * 2 / 5, mid, SC_SVG_BOTTOM, SC_SVG_RIGHT, SC_SVG_TOP);
  assert_non_null(strstr(svg, want));
  /* one polyline: the empty series draws nothing and has no legend */
  assert_int_equal(count(svg, "<polyline"), 1);
  assert_null(strstr(svg, ">none<"));
  assert_non_null(strstr(svg, "data-label=\"&lt;a&amp;b&gt;\""));
  assert_non_null(strstr(svg, ">&lt;a&amp;b&gt;</text>"));
  assert_non_null(strstr(svg, ">Offset &quot;x&quot;</text>"));
  /* ticks: in us, every 1 us; every 10 s, in UTC, the date under the first */
  assert_non_null(strstr(svg, ">\xc2\xb5s</text>"));
  snprintf(want, sizeof(want), "data-v=\"-2e-06\" x1=\"%.0f\" y1=\"%.2f\"", SC_SVG_LEFT - 4,
           SC_SVG_BOTTOM);
  assert_non_null(strstr(svg, want));
  assert_non_null(strstr(svg, ">-2</text>"));
  assert_non_null(strstr(svg, ">3</text>"));
  snprintf(want, sizeof(want), "data-t=\"%.3f\" x1=\"%.2f\"", T0 + 30, mid);
  assert_non_null(strstr(svg, want));
  assert_non_null(strstr(svg, ">02:51:30</text>"));
  assert_non_null(strstr(svg, ">02:52:30</text>"));
  assert_int_equal(count(svg, ">2026-12-07</text>"), 1);
  assert_non_null(strstr(svg, ">UTC</text>"));
  free(svg);
  sc_series_free(&s);
}

static void test_ppm_and_lone_point(void **state)
{
  (void)state;
  struct sc_series s = {0};
  assert_true(sc_series_add(&s, T0 + 30, -12.345));
  const struct sc_line lines[] = {{"frequency", &s, 0, true, true}};
  const struct sc_chart c = {"Frequency", SC_UNIT_PPM, T0, T0 + 60, lines, 1};
  char *svg = render(&c);
  assert_non_null(strstr(svg, ">ppm</text>"));
  assert_non_null(strstr(svg, "stroke-dasharray"));
  /* a lone point is drawn twice: a dot */
  struct sc_axis a;
  sc_svg_axis(-12.345, -12.345, &a);
  char want[100];
  double x = (SC_SVG_LEFT + SC_SVG_RIGHT) / 2, y = sc_svg_y(-12.345, &a);
  assert_true(y > SC_SVG_TOP && y < SC_SVG_BOTTOM);
  snprintf(want, sizeof(want), "points=\"%.2f,%.2f %.2f,%.2f\"", x, y, x, y);
  assert_non_null(strstr(svg, want));
  free(svg);
  sc_series_free(&s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_axis),
    cmocka_unit_test(test_seconds),
    cmocka_unit_test(test_points_where_computed),
    cmocka_unit_test(test_ppm_and_lone_point),
  };
  return cmocka_run_group_tests_name("stratumc_svg", tests, NULL, NULL);
}
