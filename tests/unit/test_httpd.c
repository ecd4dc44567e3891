/* Unit tests for src/sys/httpd.c: a server on 127.0.0.1 run by its own
 * loop in a thread, and clients in the test's thread: answers, one request
 * per connection, the connection limit, the time limit, a slow reader, a
 * pipelined request, a failed rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sys/httpd.h"

struct server {
  struct loop *loop;
  struct httpd h;
  pthread_t thread;
  int stop[2];                       /* a byte here ends the loop */
  uint16_t port;
  size_t body_len;                   /* what render makes: this many bytes */
  bool fail;                         /* render fails */
  int renders;
  struct httpd_stats stats;          /* as they were when it stopped */
};

static char *render(void *arg, size_t *len)
{
  struct server *s = arg;
  s->renders++;
  if (s->fail)
    return NULL;
  char *b = malloc(s->body_len + 1);
  for (size_t i = 0; b && i < s->body_len; i++)
    b[i] = (char)('a' + i % 26);
  *len = s->body_len;
  return b;
}

static void on_stop(void *arg, int fd)
{
  struct server *s = arg;
  (void)fd;
  loop_quit(s->loop, 0);
}

static void *run(void *arg)
{
  struct server *s = arg;
  loop_run(s->loop);
  return NULL;
}

static void start(struct server *s, size_t body_len)
{
  struct ip_addr lo = {.family = ADDR_INET4, .bytes = {127, 0, 0, 1}};
  struct sockaddr_in sin;
  socklen_t len = sizeof(sin);
  memset(s, 0, sizeof(*s));
  s->body_len = body_len;
  s->loop = loop_new();
  assert_non_null(s->loop);
  assert_true(httpd_init(&s->h, s->loop, "/metrics", "text/plain; version=0.0.4", render, s));
  assert_int_equal(httpd_listen(&s->h, &lo, 0), 0);
  assert_int_equal(getsockname(s->h.listen.fd[0], (struct sockaddr *)&sin, &len), 0);
  s->port = ntohs(sin.sin_port);
  assert_int_equal(pipe(s->stop), 0);
  assert_int_equal(loop_add_fd(s->loop, s->stop[0], on_stop, s), 0);
  assert_int_equal(pthread_create(&s->thread, NULL, run, s), 0);
}

static void stop(struct server *s)
{
  assert_int_equal(write(s->stop[1], "x", 1), 1);
  assert_int_equal(pthread_join(s->thread, NULL), 0);
  s->stats = s->h.stats;
  httpd_free(&s->h);
  loop_free(s->loop);
  close(s->stop[0]);
  close(s->stop[1]);
}

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* rcvbuf: a small receive buffer, or 0 for the default. */
static int client_with(const struct server *s, int rcvbuf)
{
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(s->port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true(fd >= 0);
  if (rcvbuf)
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
  assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
  return fd;
}

static int client(const struct server *s)
{
  return client_with(s, 0);
}

static void send_all(int fd, const char *text)
{
  assert_int_equal(send(fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

/* Everything until the server closes (or `timeout` s pass): malloc'ed,
 * NUL-terminated; *closed says whether it closed (an end or a reset). */
static char *read_all(int fd, double timeout, size_t *len, bool *closed)
{
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  double end = now() + timeout;
  *closed = false;
  while (now() < end) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 50) <= 0)
      continue;
    if (n + 65536 + 1 > cap) {
      cap = 2 * (n + 65536 + 1);
      buf = realloc(buf, cap);
    }
    ssize_t r = recv(fd, buf + n, cap - n - 1, 0);
    if (r <= 0) {
      *closed = true;
      break;
    }
    n += (size_t)r;
  }
  buf[n] = '\0';
  if (len)
    *len = n;
  return buf;
}

static void test_get_head_and_errors(void **state)
{
  struct server s;
  bool closed;
  size_t len;
  (void)state;
  start(&s, 100);
  int fd = client(&s);
  send_all(fd, "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
  char *r = read_all(fd, 2.0, &len, &closed);
  assert_true(closed);
  assert_true(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
  assert_non_null(strstr(r, "\r\nContent-Type: text/plain; version=0.0.4\r\n"));
  assert_non_null(strstr(r, "\r\nContent-Length: 100\r\n"));
  assert_non_null(strstr(r, "\r\nConnection: close\r\n"));
  char *body = strstr(r, "\r\n\r\n") + 4;
  assert_int_equal(strlen(body), 100);
  assert_true(strncmp(body, "abcdefghij", 10) == 0);
  free(r);
  close(fd);

  fd = client(&s);
  send_all(fd, "HEAD /metrics HTTP/1.0\r\n\r\n");
  r = read_all(fd, 2.0, &len, &closed);
  assert_true(closed);
  assert_non_null(strstr(r, "\r\nContent-Length: 100\r\n"));
  assert_int_equal(strlen(strstr(r, "\r\n\r\n")), 4);      /* no body */
  free(r);
  close(fd);

  static const struct { const char *req, *status; } errors[] = {
    {"GET /other HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 404 Not Found\r\n"},
    {"POST /metrics HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 405 Method Not Allowed\r\n"},
    {"\x16\x03\x01\x02\x00", "HTTP/1.1 400 Bad Request\r\n"},
    {"GET /metrics HTTP/2.0\r\n", "HTTP/1.1 505 HTTP Version Not Supported\r\n"},
  };
  for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
    fd = client(&s);
    send_all(fd, errors[i].req);
    r = read_all(fd, 2.0, &len, &closed);
    assert_true(closed);
    if (strncmp(r, errors[i].status, strlen(errors[i].status)) != 0)
      fail_msg("%s: got %s", errors[i].status, r);
    free(r);
    close(fd);
  }
  stop(&s);
  assert_int_equal(s.renders, 2);                 /* only for the GET and the HEAD */
  assert_int_equal(s.stats.answered[2], 2);
  assert_int_equal(s.stats.answered[4], 3);
  assert_int_equal(s.stats.answered[5], 1);
}

static void test_render_failure_is_500(void **state)
{
  struct server s;
  bool closed;
  (void)state;
  start(&s, 10);
  s.fail = true;
  int fd = client(&s);
  send_all(fd, "GET /metrics HTTP/1.0\r\n\r\n");
  char *r = read_all(fd, 2.0, NULL, &closed);
  assert_true(closed);
  assert_true(strncmp(r, "HTTP/1.1 500 Internal Server Error\r\n", 36) == 0);
  free(r);
  close(fd);
  stop(&s);
}

/* A request split over several sends, and the client's end of sending
 * right after it: still answered in full. */
static void test_split_request_and_half_close(void **state)
{
  struct server s;
  bool closed;
  size_t len;
  (void)state;
  start(&s, 300000);                               /* more than one write */
  int fd = client(&s);
  send_all(fd, "GET /met");
  usleep(50000);
  send_all(fd, "rics HTTP/1.1\r\nHo");
  usleep(50000);
  send_all(fd, "st: a\r\n\r\n");
  shutdown(fd, SHUT_WR);
  char *r = read_all(fd, 3.0, &len, &closed);
  assert_true(closed);
  assert_non_null(strstr(r, "\r\nContent-Length: 300000\r\n"));
  assert_int_equal(strlen(strstr(r, "\r\n\r\n") + 4), 300000);
  free(r);
  close(fd);
  stop(&s);
}

/* Two requests in one send: one answer, then the end (not a reset). */
static void test_pipelined(void **state)
{
  struct server s;
  bool closed;
  (void)state;
  start(&s, 5);
  int fd = client(&s);
  send_all(fd, "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
  char *r = read_all(fd, 2.0, NULL, &closed);
  assert_true(closed);
  assert_true(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
  assert_null(strstr(r + 17, "HTTP/1.1"));
  assert_int_equal(strlen(strstr(r, "\r\n\r\n") + 4), 5);
  free(r);
  close(fd);
  stop(&s);
}

/* A client that sends nothing, or only part of a head, is closed at
 * HTTPD_TIMEOUT; meanwhile others are answered. */
static void test_silent_client_times_out(void **state)
{
  struct server s;
  bool closed;
  (void)state;
  start(&s, 5);
  int silent = client(&s), partial = client(&s);
  send_all(partial, "GET /metrics HTTP/1.1\r\n");
  double t0 = now();
  int fd = client(&s);
  send_all(fd, "GET /metrics HTTP/1.0\r\n\r\n");
  char *r = read_all(fd, 1.0, NULL, &closed);
  assert_true(closed && strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
  assert_true(now() - t0 < 1.0);
  free(r);
  close(fd);
  r = read_all(silent, 4.0, NULL, &closed);
  double waited = now() - t0;
  assert_true(closed);
  assert_string_equal(r, "");
  assert_true(waited > HTTPD_TIMEOUT - 0.3 && waited < HTTPD_TIMEOUT + 1.0);
  free(r);
  r = read_all(partial, 1.0, NULL, &closed);
  assert_true(closed);
  free(r);
  close(silent);
  close(partial);
  stop(&s);
  assert_int_equal(s.stats.timed_out, 2);
}

/* A reader that takes nothing: the server keeps what the socket does not
 * take and goes on serving others; the connection ends at HTTPD_TIMEOUT
 * with part of the response delivered. */
static void test_slow_reader(void **state)
{
  struct server s;
  bool closed;
  size_t len;
  (void)state;
  start(&s, 16u << 20);
  int slow = client_with(&s, 4096);
  double t0 = now();
  send_all(slow, "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
  usleep(200000);
  s.body_len = 10;
  int fd = client(&s);
  send_all(fd, "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
  char *r = read_all(fd, 1.0, &len, &closed);
  assert_true(closed);
  assert_int_equal(strlen(strstr(r, "\r\n\r\n") + 4), 10);
  free(r);
  close(fd);
  /* read once the time is up: what was sent, then the end */
  usleep((useconds_t)((HTTPD_TIMEOUT + 0.5 - (now() - t0)) * 1e6));
  r = read_all(slow, 4.0, &len, &closed);
  assert_true(closed);
  assert_true(len > 0 && len < (16u << 20));
  free(r);
  close(slow);
  stop(&s);
  assert_int_equal(s.stats.timed_out, 1);
}

/* One connection more than the limit closes the oldest. */
static void test_connection_limit(void **state)
{
  struct server s;
  bool closed;
  int fds[HTTPD_MAX_CONNECTIONS + 1];
  (void)state;
  start(&s, 5);
  for (int i = 0; i < HTTPD_MAX_CONNECTIONS; i++) {
    fds[i] = client(&s);
    usleep(5000);                                  /* accepted in this order */
  }
  usleep(50000);
  fds[HTTPD_MAX_CONNECTIONS] = client(&s);
  char *r = read_all(fds[0], 1.0, NULL, &closed);
  assert_true(closed);                             /* the oldest, closed */
  free(r);
  send_all(fds[HTTPD_MAX_CONNECTIONS], "GET /metrics HTTP/1.0\r\n\r\n");
  r = read_all(fds[HTTPD_MAX_CONNECTIONS], 1.0, NULL, &closed);
  assert_true(closed && strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
  free(r);
  send_all(fds[1], "GET /metrics HTTP/1.0\r\n\r\n");  /* the others still served */
  r = read_all(fds[1], 1.0, NULL, &closed);
  assert_true(closed && strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
  free(r);
  for (int i = 0; i <= HTTPD_MAX_CONNECTIONS; i++)
    close(fds[i]);
  stop(&s);
  assert_int_equal(s.stats.dropped_oldest, 1);
  assert_int_equal(s.stats.accepted, HTTPD_MAX_CONNECTIONS + 1);
}

/* Out of descriptors, accepting pauses instead of spinning on the listening
 * socket, and resumes once descriptors are there again. */
static double cpu_seconds(void)
{
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void test_out_of_descriptors(void **state)
{
  struct server s;
  struct rlimit saved, low;
  bool closed;
  (void)state;
  start(&s, 5);
  int next = dup(0);
  assert_true(next >= 0);
  close(next);
  assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
  low = saved;
  low.rlim_cur = (rlim_t)next + 1;          /* the client's socket, not the server's */
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
  int fd = client(&s);
  send_all(fd, "GET /metrics HTTP/1.0\r\n\r\n");
  double cpu0 = cpu_seconds();
  usleep(500000);
  double cpu = cpu_seconds() - cpu0;
  assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
  assert_true(cpu < 0.25);                   /* not a busy loop */
  char *r = read_all(fd, 1.5, NULL, &closed);
  assert_true(closed && strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
  free(r);
  close(fd);
  stop(&s);
  assert_int_equal(s.stats.accepted, 1);
}

static void test_listen_errors(void **state)
{
  struct server s;
  struct ip_addr none = {.family = ADDR_UNSPEC};
  struct ip_addr lo = {.family = ADDR_INET4, .bytes = {127, 0, 0, 1}};
  (void)state;
  start(&s, 1);
  assert_int_equal(httpd_listen(&s.h, &none, 0), -EAFNOSUPPORT);
  assert_int_equal(httpd_listen(&s.h, &lo, s.port), -EADDRINUSE);
  stop(&s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_get_head_and_errors),
    cmocka_unit_test(test_render_failure_is_500),
    cmocka_unit_test(test_split_request_and_half_close),
    cmocka_unit_test(test_pipelined),
    cmocka_unit_test(test_silent_client_times_out),
    cmocka_unit_test(test_slow_reader),
    cmocka_unit_test(test_connection_limit),
    cmocka_unit_test(test_out_of_descriptors),
    cmocka_unit_test(test_listen_errors),
  };
  return cmocka_run_group_tests_name("httpd", tests, NULL, NULL);
}
