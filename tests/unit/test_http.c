/* Unit tests for src/proto/http.c: requests served, each rejection (and
 * that it comes as soon as the bytes allow), and response heads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/http.h"

#define PATH "/metrics"

static int parse_n(const char *buf, size_t len, struct http_request *r)
{
  return http_parse_request(buf, len, PATH, r);
}

static int parse(const char *text)
{
  struct http_request r;
  return parse_n(text, strlen(text), &r);
}

/* The status of text, and that of each of its prefixes is 0 or the same
 * (a decision never changes as more bytes come). */
static void expect(const char *text, int status)
{
  struct http_request r;
  size_t len = strlen(text);
  for (size_t n = 0; n < len; n++) {
    int s = parse_n(text, n, &r);
    if (s != 0 && s != status)
      fail_msg("%s: prefix of %zu bytes gave %d, the whole %d", text, n, s, status);
  }
  int s = parse_n(text, len, &r);
  if (s != status)
    fail_msg("'%s': %d, expected %d", text, s, status);
}

static void test_served(void **state)
{
  struct http_request r;
  (void)state;
  const char *get = "GET /metrics HTTP/1.1\r\nHost: localhost:9123\r\nAccept: */*\r\n\r\n";
  assert_int_equal(parse_n(get, strlen(get), &r), 200);
  assert_int_equal(r.method, HTTP_GET);
  assert_int_equal(r.minor, 1);
  assert_int_equal(r.head_len, strlen(get));
  assert_int_equal(parse("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
  const char *head = "HEAD /metrics HTTP/1.0\r\n\r\n";
  assert_int_equal(parse_n(head, strlen(head), &r), 200);
  assert_int_equal(r.method, HTTP_HEAD);
  assert_int_equal(r.minor, 0);
  /* HTTP/1.0 needs no Host; LF alone ends lines; empty lines come first */
  expect("GET /metrics HTTP/1.0\n\n", 200);
  expect("\r\n\r\nGET /metrics HTTP/1.0\r\n\r\n", 200);
  expect("GET /metrics?name[]=x&y=%20 HTTP/1.1\r\nHost: a\r\n\r\n", 200);
  expect("GET http://localhost:9123/metrics HTTP/1.1\r\nHost: localhost\r\n\r\n", 200);
  expect("GET HTTP://h/metrics?x HTTP/1.1\r\nHost: h\r\n\r\n", 200);
  /* optional white space around values; an empty value; obs-text */
  expect("GET /metrics HTTP/1.1\r\nHost:a\r\nX-Empty:\r\nX: \t v \xc3\xa9 \t\r\n\r\n", 200);
  expect("GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 200);
  expect("GET /metrics HTTP/1.1\r\nhOsT: a\r\ncontent-length: 00\r\n\r\n", 200);
}

/* What follows the head (a pipelined request, a body) is not read. */
static void test_bytes_after_the_head_are_ignored(void **state)
{
  struct http_request r;
  (void)state;
  static const char two[] = "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"
                            "\x01\x02\0 BAD REQUEST\r\n\r\n";
  assert_int_equal(parse_n(two, sizeof(two) - 1, &r), 200);
  assert_int_equal(r.head_len, strlen("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"));
}

static void test_incomplete(void **state)
{
  (void)state;
  assert_int_equal(parse(""), 0);
  assert_int_equal(parse("\r"), 0);
  assert_int_equal(parse("\r\n"), 0);
  assert_int_equal(parse("G"), 0);
  assert_int_equal(parse("GET /met"), 0);
  assert_int_equal(parse("GET /metrics HTTP/1.1\r"), 0);
  assert_int_equal(parse("GET /metrics HTTP/1.1\r\n"), 0);
  assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: a\r\n"), 0);
  assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: a\r\n\r"), 0);
  /* a decision that needs the whole head waits for it */
  assert_int_equal(parse("POST /metrics HTTP/1.1\r\n"), 0);
  assert_int_equal(parse("GET /other HTTP/1.1\r\n"), 0);
}

static void test_malformed_request_line(void **state)
{
  (void)state;
  expect("GET  /metrics HTTP/1.1\r\n\r\n", 400);    /* two spaces */
  expect("GET /metrics  HTTP/1.1\r\n\r\n", 400);
  expect(" GET /metrics HTTP/1.1\r\n\r\n", 400);
  expect("GET /metrics HTTP/1.1 \r\n\r\n", 400);    /* trailing space */
  expect("GET /metrics\r\n\r\n", 400);              /* HTTP/0.9 */
  expect("GET\r\n\r\n", 400);
  expect("GET /metrics http/1.1\r\n\r\n", 400);
  expect("GET /metrics HTTP/1.10\r\n\r\n", 400);
  expect("GET /metrics HTTP/1\r\n\r\n", 400);
  expect("GET /metrics HTTP/a.b\r\n\r\n", 400);
  expect("GET\t/metrics HTTP/1.1\r\n\r\n", 400);
  expect("G(T /metrics HTTP/1.1\r\n\r\n", 400);     /* not a token */
  expect("GET /met\x7frics HTTP/1.1\r\n\r\n", 400);
  expect("GET /m\xc3\xa9trics HTTP/1.1\r\n\r\n", 400);
  expect("GET /metrics\rHTTP/1.1\r\n\r\n", 400);    /* a bare CR */
  expect("GET /metrics HTTP/1.1\r\r\n\r\n", 400);
}

/* Garbage is refused before any LF comes: a TLS ClientHello, NUL bytes. */
static void test_garbage_refused_at_once(void **state)
{
  struct http_request r;
  (void)state;
  static const char tls[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
  assert_int_equal(parse_n(tls, sizeof(tls) - 1, &r), 400);
  static const char nul[] = "GET /\0";
  assert_int_equal(parse_n(nul, sizeof(nul) - 1, &r), 400);
  assert_int_equal(parse("GET /metrics\rX"), 400);
  assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: \x01"), 400);
  assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: a\rb"), 400);
  static const char nul_header[] = "GET /metrics HTTP/1.1\r\nHo\0st: a\r\n\r\n";
  assert_int_equal(parse_n(nul_header, sizeof(nul_header) - 1, &r), 400);
}

static void test_malformed_headers(void **state)
{
  (void)state;
  expect("GET /metrics HTTP/1.1\r\nHost a\r\n\r\n", 400);           /* no colon */
  expect("GET /metrics HTTP/1.1\r\nHost : a\r\n\r\n", 400);         /* space before it */
  expect("GET /metrics HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n", 400);   /* no name */
  expect("GET /metrics HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400);
  expect("GET /metrics HTTP/1.1\r\nHost: a\r\n\tfolded\r\n\r\n", 400);
  expect("GET /metrics HTTP/1.1\r\nHost: a\x01\r\n\r\n", 400);
  expect("GET /metrics HTTP/1.1\r\nHost: a\r\nX: \x7f\r\n\r\n", 400);
  expect("GET /metrics HTTP/1.1\r\nHo(st: a\r\n\r\n", 400);
  expect("GET /metrics HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400);
}

static void test_host(void **state)
{
  (void)state;
  expect("GET /metrics HTTP/1.1\r\n\r\n", 400);                          /* none in 1.1 */
  expect("GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);    /* two */
  expect("GET /metrics HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n", 400);
  expect("GET /metrics HTTP/1.0\r\nHost: a\r\n\r\n", 200);
}

static void test_content_length(void **state)
{
  (void)state;
  expect("GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", 400);
  expect("GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400);
  expect("GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400);
  expect("GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400);
  expect("GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
         400);
  expect("GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
         400);
  expect("GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", 413);
  expect("GET /metrics HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 413);
}

static void test_version(void **state)
{
  (void)state;
  expect("GET /metrics HTTP/2.0\r\n\r\n", 505);
  expect("GET /metrics HTTP/1.2\r\nHost: a\r\n\r\n", 505);
  expect("GET /metrics HTTP/0.9\r\n\r\n", 505);
  expect("GET /metrics HTTP/3.0\r\n", 505);         /* known once the line ends */
}

static void test_other_paths(void **state)
{
  (void)state;
  expect("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 404);
  expect("GET /metricsx HTTP/1.1\r\nHost: a\r\n\r\n", 404);
  expect("GET /metrics/ HTTP/1.1\r\nHost: a\r\n\r\n", 404);
  expect("GET /Metrics HTTP/1.1\r\nHost: a\r\n\r\n", 404);
  expect("GET /%6detrics HTTP/1.1\r\nHost: a\r\n\r\n", 404);
  expect("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 404);
  expect("GET metrics HTTP/1.1\r\nHost: a\r\n\r\n", 404);
  expect("GET http://a HTTP/1.1\r\nHost: a\r\n\r\n", 404);
  expect("GET http://a/other HTTP/1.1\r\nHost: a\r\n\r\n", 404);
  expect("POST /other HTTP/1.1\r\nHost: a\r\n\r\n", 404);   /* no such resource first */
}

static void test_other_methods(void **state)
{
  (void)state;
  expect("POST /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 405);
  expect("PUT /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", 405);
  expect("get /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 405);   /* methods are case-sensitive */
  expect("OPTIONS /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 405);
  expect("GETS /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 405);
}

static void test_too_large(void **state)
{
  static char buf[HTTP_MAX_HEAD + 100];
  struct http_request r;
  (void)state;
  /* headers that never end */
  size_t n = (size_t)snprintf(buf, sizeof(buf), "GET /metrics HTTP/1.1\r\nHost: a\r\n");
  while (n + 12 < sizeof(buf))
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-Pad: 1234\r\n");
  assert_int_equal(parse_n(buf, HTTP_MAX_HEAD - 1, &r), 0);
  assert_int_equal(parse_n(buf, HTTP_MAX_HEAD, &r), 431);
  assert_int_equal(parse_n(buf, n, &r), 431);
  /* a request line that never ends */
  memcpy(buf, "GET /", 5);
  memset(buf + 5, 'a', sizeof(buf) - 5);
  assert_int_equal(parse_n(buf, HTTP_MAX_HEAD - 1, &r), 0);
  assert_int_equal(parse_n(buf, sizeof(buf), &r), 431);
  /* a head of exactly HTTP_MAX_HEAD bytes is fine */
  n = (size_t)snprintf(buf, sizeof(buf), "GET /metrics HTTP/1.1\r\nHost: a\r\nX: ");
  memset(buf + n, 'b', HTTP_MAX_HEAD - n - 4);
  memcpy(buf + HTTP_MAX_HEAD - 4, "\r\n\r\n", 4);
  assert_int_equal(parse_n(buf, HTTP_MAX_HEAD, &r), 200);
  assert_int_equal(r.head_len, HTTP_MAX_HEAD);
}

/* RFC 9110's example date: Sun, 06 Nov 1994 08:49:37 GMT. */
#define EXAMPLE_TIME 784111777

static void test_response_head(void **state)
{
  char buf[HTTP_MAX_RESPONSE_HEAD];
  (void)state;
  size_t n = http_response_head(buf, sizeof(buf), 200, "text/plain; version=0.0.4; charset=utf-8",
                                1234, EXAMPLE_TIME);
  assert_int_equal(n, strlen(buf));
  assert_string_equal(buf, "HTTP/1.1 200 OK\r\n"
                           "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                           "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                           "Content-Length: 1234\r\n"
                           "Connection: close\r\n"
                           "\r\n");
  n = http_response_head(buf, sizeof(buf), 405, "text/plain; charset=utf-8", 19, EXAMPLE_TIME);
  assert_string_equal(buf, "HTTP/1.1 405 Method Not Allowed\r\n"
                           "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                           "Content-Type: text/plain; charset=utf-8\r\n"
                           "Content-Length: 19\r\n"
                           "Connection: close\r\n"
                           "Allow: GET, HEAD\r\n"
                           "\r\n");
  /* every status fits the documented maximum, with the longest length */
  static const int statuses[] = {200, 400, 404, 405, 413, 431, 500, 503, 505};
  for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
    assert_int_not_equal(http_reason(statuses[i])[0], '\0');
    assert_true(http_response_head(buf, sizeof(buf), statuses[i],
                                   "text/plain; version=0.0.4; charset=utf-8", SIZE_MAX,
                                   EXAMPLE_TIME) > 0);
  }
  assert_int_equal(http_response_head(buf, 40, 200, "text/plain", 1, EXAMPLE_TIME), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_served),
    cmocka_unit_test(test_bytes_after_the_head_are_ignored),
    cmocka_unit_test(test_incomplete),
    cmocka_unit_test(test_malformed_request_line),
    cmocka_unit_test(test_garbage_refused_at_once),
    cmocka_unit_test(test_malformed_headers),
    cmocka_unit_test(test_host),
    cmocka_unit_test(test_content_length),
    cmocka_unit_test(test_version),
    cmocka_unit_test(test_other_paths),
    cmocka_unit_test(test_other_methods),
    cmocka_unit_test(test_too_large),
    cmocka_unit_test(test_response_head),
  };
  return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
