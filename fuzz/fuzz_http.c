/* libFuzzer target for the HTTP request head parser (src/proto/http.c).
 *
 * The status is one of those documented; 431 only for HTTP_MAX_HEAD bytes
 * or more; a served request's head lies within the input and ends with an
 * empty line. A decision never changes as more bytes come: every prefix
 * gives 0 or the status of the whole (431 aside), and once a prefix is
 * decided, so is every longer one. Every status has a response head. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
  if (!ok)
    abort();
}

static int parse(const uint8_t *data, size_t n, struct http_request *r)
{
  return http_parse_request((const char *)data, n, "/metrics", r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct http_request r, p;
  char head[HTTP_MAX_RESPONSE_HEAD];
  int s = parse(data, size, &r);
  check(s == 0 || s == 200 || s == 400 || s == 404 || s == 405 || s == 413 || s == 431 ||
        s == 505);
  check(s != 431 || size >= HTTP_MAX_HEAD);
  check(s != 0 || size < HTTP_MAX_HEAD);
  if (s == 200) {
    check(r.head_len >= 2 && r.head_len <= size && r.head_len <= HTTP_MAX_HEAD);
    check(data[r.head_len - 1] == '\n');
    check(r.method == HTTP_GET || r.method == HTTP_HEAD);
    check(r.minor == 0 || r.minor == 1);
    /* the bytes after the head do not matter */
    check(parse(data, r.head_len, &p) == 200 && p.head_len == r.head_len);
  }
  if (s != 0)
    check(http_response_head(head, sizeof(head), s, "text/plain; version=0.0.4; charset=utf-8",
                             size, 0) > 0);
  /* a few prefixes: undecided, or decided alike */
  size_t cuts[] = {size / 4, size / 2, size - (size > 0), size > 1 ? size - 2 : 0};
  for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
    int ps = parse(data, cuts[i], &p);
    check(ps == 0 || ps == s || (ps == 431 && s == 431));
  }
  return 0;
}
