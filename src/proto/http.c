/* http: request heads and response heads (see http.h). */
#include "proto/http.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* RFC 9110's tchar: the characters of a token (methods, field names). */
static bool is_tchar(unsigned char c)
{
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
    return true;
  return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_vchar(unsigned char c)
{
  return c > 0x20 && c < 0x7f;
}

/* A field value's character: VCHAR, SP, HTAB or obs-text. */
static bool is_field_char(unsigned char c)
{
  return c == ' ' || c == '\t' || is_vchar(c) || c >= 0x80;
}

/* A line [start, end) without its CR LF or LF; false if it holds a CR. */
struct line {
  const char *p;
  size_t len;
};

/* The line starting at pos: true and *l, *next if it ends within len. A CR
 * that is not just before the LF makes *bad true. */
static bool next_line(const char *buf, size_t len, size_t pos, struct line *l, size_t *next,
                      bool *bad)
{
  const char *nl = memchr(buf + pos, '\n', len - pos);
  if (!nl)
    return false;
  size_t end = (size_t)(nl - buf);
  *next = end + 1;
  if (end > pos && buf[end - 1] == '\r')
    end--;
  l->p = buf + pos;
  l->len = end - pos;
  *bad = memchr(l->p, '\r', l->len) != NULL;
  return true;
}

/* Could these bytes (a request line's start, not yet ended) begin a valid
 * request line? Catches garbage without waiting for a LF. */
static bool plausible_start(const char *p, size_t n)
{
  size_t i = 0;
  while (i < n && is_tchar((unsigned char)p[i]))
    i++;
  if (i < n && p[i] != ' ' && !(p[i] == '\r' && i + 1 == n))
    return false;
  for (; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (!(c == ' ' || is_vchar(c) || (c == '\r' && i + 1 == n)))
      return false;
  }
  return true;
}

/* Does the request target name this path? Origin form "/path[?query]" or
 * absolute form "http://authority/path[?query]". */
static bool target_is(const char *t, size_t n, const char *path)
{
  static const char http[] = "http://";
  if (n >= sizeof(http) - 1 && strncasecmp(t, http, sizeof(http) - 1) == 0) {
    size_t i = sizeof(http) - 1;
    while (i < n && t[i] != '/' && t[i] != '?')
      i++;
    t += i;
    n -= i;
    if (n == 0 || t[0] == '?')
      return strcmp(path, "/") == 0;
  }
  const char *q = memchr(t, '?', n);
  size_t plen = q ? (size_t)(q - t) : n;
  return plen == strlen(path) && memcmp(t, path, plen) == 0;
}

static int request_line(const struct line *l, const char *path, struct http_request *r,
                        bool *found)
{
  const char *p = l->p, *end = l->p + l->len;
  const char *m = p;
  while (p < end && is_tchar((unsigned char)*p))
    p++;
  size_t mlen = (size_t)(p - m);
  if (mlen == 0 || p == end || *p != ' ')
    return 400;
  const char *t = ++p;
  while (p < end && is_vchar((unsigned char)*p))
    p++;
  size_t tlen = (size_t)(p - t);
  if (tlen == 0 || p == end || *p != ' ')
    return 400;
  const char *v = ++p;
  if (end - v != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
      v[7] < '0' || v[7] > '9')
    return 400;
  if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
    return 505;
  r->minor = v[7] - '0';
  r->method = mlen == 3 && memcmp(m, "GET", 3) == 0    ? HTTP_GET
              : mlen == 4 && memcmp(m, "HEAD", 4) == 0 ? HTTP_HEAD
                                                       : HTTP_OTHER;
  *found = target_is(t, tlen, path);
  return 0;
}

/* What the headers said that decides the answer. */
struct fields {
  int hosts;
  bool body, bad_length;
  bool have_length;
  uint64_t length;
};

static bool name_is(const struct line *l, size_t nlen, const char *name)
{
  return nlen == strlen(name) && strncasecmp(l->p, name, nlen) == 0;
}

/* Content-Length: 1*DIGIT (a list of equal values is refused too: we do
 * not need it, and RFC 9112 allows refusing it). */
static void content_length(const char *v, size_t n, struct fields *f)
{
  uint64_t x = 0;
  if (n == 0 || n > 18) {
    f->bad_length = true;
    return;
  }
  for (size_t i = 0; i < n; i++) {
    if (v[i] < '0' || v[i] > '9') {
      f->bad_length = true;
      return;
    }
    x = x * 10 + (uint64_t)(v[i] - '0');
  }
  if (f->have_length && f->length != x)
    f->bad_length = true;
  f->have_length = true;
  f->length = x;
  if (x > 0)
    f->body = true;
}

static int header_line(const struct line *l, struct fields *f)
{
  size_t i = 0;
  while (i < l->len && is_tchar((unsigned char)l->p[i]))
    i++;
  if (i == 0 || i == l->len || l->p[i] != ':')
    return 400;                      /* also obs-fold: a line starting with SP/HTAB */
  size_t nlen = i++;
  for (size_t k = i; k < l->len; k++)
    if (!is_field_char((unsigned char)l->p[k]))
      return 400;
  const char *v = l->p + i, *end = l->p + l->len;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  if (name_is(l, nlen, "Host"))
    f->hosts++;
  else if (name_is(l, nlen, "Content-Length"))
    content_length(v, (size_t)(end - v), f);
  else if (name_is(l, nlen, "Transfer-Encoding"))
    f->body = true;
  return 0;
}

int http_parse_request(const char *buf, size_t len, const char *path, struct http_request *r)
{
  struct fields f = {0};
  struct line l;
  size_t pos = 0, next;
  bool bad, found = false, have_request_line = false;
  memset(r, 0, sizeof(*r));
  if (len > HTTP_MAX_HEAD)
    len = HTTP_MAX_HEAD;
  /* Each pass consumes one line: bounded by len. */
  while (next_line(buf, len, pos, &l, &next, &bad)) {
    pos = next;
    if (bad)
      return r->status = 400;
    if (!have_request_line) {
      if (l.len == 0)
        continue;                    /* empty lines before the request line */
      int s = request_line(&l, path, r, &found);
      if (s)
        return r->status = s;
      have_request_line = true;
      continue;
    }
    if (l.len == 0) {                /* the end of the head */
      r->head_len = pos;
      if (f.bad_length || f.hosts > 1 || (r->minor == 1 && f.hosts == 0))
        return r->status = 400;
      if (!found)
        return r->status = 404;
      if (r->method == HTTP_OTHER)
        return r->status = 405;
      if (f.body)
        return r->status = 413;
      return r->status = 200;
    }
    if (header_line(&l, &f))
      return r->status = 400;
  }
  /* The head goes on: refuse what cannot become valid, or what is too long. */
  if (!have_request_line && !plausible_start(buf + pos, len - pos))
    return r->status = 400;
  if (have_request_line) {
    for (size_t i = pos; i < len; i++) {
      unsigned char c = (unsigned char)buf[i];
      if (!is_field_char(c) && !(c == '\r' && i + 1 == len))
        return r->status = 400;
    }
  }
  if (len >= HTTP_MAX_HEAD)
    return r->status = 431;
  return r->status = 0;
}

const char *http_reason(int status)
{
  switch (status) {
  case 200: return "OK";
  case 400: return "Bad Request";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 413: return "Content Too Large";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 503: return "Service Unavailable";
  case 505: return "HTTP Version Not Supported";
  default: return "";
  }
}

size_t http_response_head(char *buf, size_t cap, int status, const char *content_type,
                          size_t content_length, time_t now)
{
  static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  struct tm tm;
  char date[40] = "";
  if (gmtime_r(&now, &tm) && tm.tm_year >= -1900 && tm.tm_year <= 9999 - 1900)
    snprintf(date, sizeof(date), "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n",
             days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (strlen(content_type) > 80)
    return 0;
  int n = snprintf(buf, cap,
                   "HTTP/1.1 %d %s\r\n"
                   "%s"
                   "Content-Type: %s\r\n"
                   "Content-Length: %zu\r\n"
                   "Connection: close\r\n"
                   "%s"
                   "\r\n",
                   status, http_reason(status), date, content_type, content_length,
                   status == 405 ? "Allow: GET, HEAD\r\n" : "");
  return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}
