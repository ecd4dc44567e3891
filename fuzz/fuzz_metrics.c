/* libFuzzer target for the metrics renderer (src/proto/metrics.c).
 *
 * The input is a daemon's side of the conversation: each request of
 * metrics_fetch gets the next chunk of input as its reply bytes
 * (cmd_parse_reply decides what they hold, header included), and an
 * empty chunk is no reply. The rendered text must be Prometheus' text
 * format: every line a HELP, a TYPE (gauge or counter) or a sample
 * `name[{label="value",...}] value` of the family announced last, label
 * values only with printable ASCII and the escapes \\ \" \n, values that
 * strtod reads whole (or NaN, +Inf, -Inf); each family announced once. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
  if (!ok)
    abort();
}

struct input {
  const uint8_t *p;
  size_t left;
};

/* Chunks: a length byte (x 4) and that many bytes. */
static bool exchange(void *arg, struct cmd_request *req, struct cmd_reply *rpy)
{
  struct input *in = arg;
  if (in->left == 0)
    return false;
  size_t n = (size_t)in->p[0] * 4;
  in->p++;
  in->left--;
  if (n > in->left)
    n = in->left;
  bool ok = n > 0 && cmd_parse_reply(in->p, n, rpy);
  in->p += n;
  in->left -= n;
  if (ok && in->left > 0 && (in->p[-1] & 1))
    rpy->command = req->command;     /* mostly what was asked, sometimes not */
  return ok;
}

static bool name_char(char c, bool first)
{
  return isalpha((unsigned char)c) || c == '_' || c == ':' || (!first && isdigit((unsigned char)c));
}

static const char *name_end(const char *p)
{
  check(name_char(*p, true));
  while (name_char(*p, false))
    p++;
  return p;
}

static void check_value(const char *v, const char *end)
{
  size_t n = (size_t)(end - v);
  if ((n == 3 && memcmp(v, "NaN", 3) == 0) || (n == 4 && memcmp(v, "+Inf", 4) == 0) ||
      (n == 4 && memcmp(v, "-Inf", 4) == 0))
    return;
  char buf[64], *stop;
  check(n > 0 && n < sizeof(buf));
  memcpy(buf, v, n);
  buf[n] = '\0';
  strtod(buf, &stop);
  check(*stop == '\0' && !isspace((unsigned char)buf[0]));
}

/* One sample line [p, end) of family `family` (len flen). */
static void check_sample(const char *p, const char *end, const char *family, size_t flen)
{
  const char *n = name_end(p);
  check((size_t)(n - p) == flen && memcmp(p, family, flen) == 0);
  p = n;
  if (*p == '{') {
    p++;
    for (int labels = 0; labels < 16; labels++) {
      p = name_end(p);
      check(*p++ == '=' && *p++ == '"');
      while (*p != '"') {
        check(p < end && *p >= 0x20 && *p < 0x7f);
        if (*p == '\\') {
          p++;
          check(*p == '\\' || *p == '"' || *p == 'n');
        }
        p++;
      }
      p++;
      if (*p == '}')
        break;
      check(*p++ == ',');
    }
    check(*p++ == '}');
  }
  check(*p++ == ' ');
  check_value(p, end);
}

static void check_text(const char *t, size_t len)
{
  char family[128] = "";
  size_t flen = 0;
  char seen[64][128];
  unsigned n_seen = 0;
  check(len > 0 && t[len - 1] == '\n' && strlen(t) == len);
  for (const char *p = t; p < t + len;) {
    const char *end = memchr(p, '\n', (size_t)(t + len - p));
    check(end != NULL);
    if (strncmp(p, "# HELP ", 7) == 0) {
      const char *n = name_end(p + 7);
      flen = (size_t)(n - (p + 7));
      check(flen < sizeof(family) && *n == ' ' && strncmp(p + 7, "chrony_", 7) == 0);
      memcpy(family, p + 7, flen);
      family[flen] = '\0';
      for (unsigned i = 0; i < n_seen; i++)
        check(strcmp(seen[i], family) != 0);
      check(n_seen < 64);
      strcpy(seen[n_seen++], family);
      for (const char *c = n; c < end; c++)
        check(*c >= 0x20 && *c < 0x7f && *c != '\\');
    } else if (strncmp(p, "# TYPE ", 7) == 0) {
      check(strncmp(p + 7, family, flen) == 0 && p[7 + flen] == ' ');
      const char *type = p + 8 + flen;
      size_t tl = (size_t)(end - type);
      check((tl == 5 && memcmp(type, "gauge", 5) == 0) ||
            (tl == 7 && memcmp(type, "counter", 7) == 0));
      if (tl == 7)
        check(flen > 6 && strcmp(family + flen - 6, "_total") == 0);
    } else {
      check(flen > 0);
      check_sample(p, end, family, flen);
    }
    p = end + 1;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct input in = {data, size};
  struct metrics_reports r;
  struct metrics_text t = {0};
  if (!metrics_fetch(&r, exchange, &in))
    return 0;
  /* the daemon's own counts, with any reason name */
  r.n_drops = size > 0 ? data[0] % (METRICS_MAX_DROPS + 1) : 0;
  for (unsigned i = 0; i < r.n_drops; i++)
    r.drops[i] = (struct metrics_drop){i % 2 ? "access" : "ra\"te\\limit\n", (uint64_t)i << 40};
  check(r.n_sources <= METRICS_MAX_SOURCES);
  if (metrics_render(&r, &t))
    check_text(t.data, t.len);
  metrics_text_free(&t);
  metrics_reports_free(&r);
  return 0;
}
