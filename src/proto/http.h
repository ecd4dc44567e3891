/* http: the head of an HTTP/1.0 or HTTP/1.1 request (RFC 9112) as a
 * server of one resource needs it, and the head of the response.
 *
 * http_parse_request() is given every byte received so far and decides as
 * soon as the bytes allow: 0 while the head is incomplete and what came is
 * valid, else the status to answer. Complete lines are checked as they
 * come, so a malformed request line or header is refused before the head
 * ends; a head that does not end within HTTP_MAX_HEAD bytes is refused
 * (431). Bytes after the head (a body, or a pipelined request) are never
 * looked at.
 *
 *   400  malformed: a request line that is not METHOD SP TARGET SP
 *        HTTP/D.D, a bare CR, a control character or NUL, a header line
 *        without a token and ':', an obsolete line folding, a bad
 *        Content-Length, no Host in HTTP/1.1 or more than one Host
 *   505  a version other than HTTP/1.0 and HTTP/1.1
 *   404  a target whose path (origin or absolute form; the query is
 *        ignored) is not the one served
 *   405  a method other than GET and HEAD (case matters, as in RFC 9110)
 *   413  a request with a body (Content-Length not 0, Transfer-Encoding)
 *   431  no end of the head within HTTP_MAX_HEAD bytes
 *   200  GET or HEAD of the resource
 *
 * Lines may end in CRLF or LF; empty lines before the request line are
 * skipped (RFC 9112, 2.2). Pure: no allocation, one pass over the bytes. */
#ifndef STRATUM_PROTO_HTTP_H
#define STRATUM_PROTO_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define HTTP_MAX_HEAD 4096           /* request line and headers */
#define HTTP_MAX_RESPONSE_HEAD 256   /* what http_response_head writes at most */

enum http_method { HTTP_OTHER, HTTP_GET, HTTP_HEAD };

struct http_request {
  int status;                        /* 0: incomplete; else as above */
  enum http_method method;           /* once the request line is complete */
  int minor;                         /* HTTP/1.minor, once known */
  size_t head_len;                   /* bytes up to the end of the head */
};

/* buf: the len bytes received so far; path: the resource served
 * ("/metrics"). Returns r->status. */
int http_parse_request(const char *buf, size_t len, const char *path, struct http_request *r);

/* The reason phrase of a status this module uses ("" for others). */
const char *http_reason(int status);

/* The head of a response: status line, Date (now, UTC), Content-Type,
 * Content-Length, Connection: close (always: one request per
 * connection), and for 405 Allow: GET, HEAD. Returns its length, or 0 if
 * it does not fit in cap (HTTP_MAX_RESPONSE_HEAD always does). */
size_t http_response_head(char *buf, size_t cap, int status, const char *content_type,
                          size_t content_length, time_t now);

#endif
