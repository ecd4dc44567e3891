#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys/loop.h"

struct record {
  struct loop *loop;
  int order[8];
  int n;
};

struct tag {
  struct record *r;
  int id;
};

static void note(void *arg)
{
  struct tag *t = arg;
  t->r->order[t->r->n++] = t->id;
  if (t->r->n == 3)
    loop_quit(t->r->loop, 7);
}

static void test_timers_run_in_deadline_order(void **state)
{
  (void)state;
  struct record r = {.loop = loop_new()};
  struct tag a = {&r, 1}, b = {&r, 2}, c = {&r, 3}, d = {&r, 4};
  loop_add_timer(r.loop, 0.03, note, &c);
  loop_add_timer(r.loop, 0.01, note, &a);
  uint64_t cancelled = loop_add_timer(r.loop, 0.005, note, &d);
  loop_add_timer(r.loop, 0.02, note, &b);
  loop_cancel_timer(r.loop, cancelled);
  assert_int_equal(loop_run(r.loop), 7);
  assert_int_equal(r.n, 3);
  assert_int_equal(r.order[0], 1);
  assert_int_equal(r.order[1], 2);
  assert_int_equal(r.order[2], 3);
  loop_free(r.loop);
}

struct spinner {
  struct loop *loop;
  int spins;
  int fd_reads;
};

static void spin(void *arg)
{
  struct spinner *s = arg;
  s->spins++;
  if (s->spins < 100000)
    loop_add_timer(s->loop, 0.0, spin, s);
}

static void on_fd(void *arg, int fd)
{
  struct spinner *s = arg;
  char c;
  if (read(fd, &c, 1) == 1)
    s->fd_reads++;
  loop_quit(s->loop, 0);
}

/* A timer re-arming itself with zero delay must not starve descriptors. */
static void test_zero_delay_timer_does_not_starve_fds(void **state)
{
  (void)state;
  int p[2];
  assert_int_equal(pipe(p), 0);
  struct spinner s = {.loop = loop_new()};
  assert_int_equal(write(p[1], "x", 1), 1);
  loop_add_fd(s.loop, p[0], on_fd, &s);
  loop_add_timer(s.loop, 0.0, spin, &s);
  loop_run(s.loop);
  assert_int_equal(s.fd_reads, 1);
  assert_true(s.spins < 10);
  loop_free(s.loop);
  close(p[0]);
  close(p[1]);
}

static void on_sig(void *arg, int signo)
{
  struct spinner *s = arg;
  s->fd_reads = signo;
  loop_quit(s->loop, 3);
}

static void raise_usr1(void *arg)
{
  (void)arg;
  raise(SIGUSR1);
}

static void test_signal_delivered_through_loop(void **state)
{
  (void)state;
  struct spinner s = {.loop = loop_new()};
  assert_int_equal(loop_watch_signal(s.loop, SIGUSR1, on_sig, &s), 0);
  loop_add_timer(s.loop, 0.001, raise_usr1, NULL);
  assert_int_equal(loop_run(s.loop), 3);
  assert_int_equal(s.fd_reads, SIGUSR1);
  loop_free(s.loop);
}

static void remove_self(void *arg, int fd)
{
  struct spinner *s = arg;
  char c;
  (void)read(fd, &c, 1);
  loop_remove_fd(s->loop, fd);
  s->fd_reads++;
}

static void stop(void *arg)
{
  loop_quit(((struct spinner *)arg)->loop, 0);
}

static void test_handler_may_remove_its_fd(void **state)
{
  (void)state;
  int p[2];
  assert_int_equal(pipe(p), 0);
  struct spinner s = {.loop = loop_new()};
  assert_int_equal(write(p[1], "xy", 2), 2);
  loop_add_fd(s.loop, p[0], remove_self, &s);
  loop_add_timer(s.loop, 0.05, stop, &s);
  loop_run(s.loop);
  assert_int_equal(s.fd_reads, 1);  /* not called again after removal */
  loop_free(s.loop);
  close(p[0]);
  close(p[1]);
}

/* The jump detector, fed a known inconsistency: a step the loop is told
 * about that the real clock never made looks, at the next wake-up, like a
 * step back by as much. Below chronyd's threshold nothing is reported. */
struct jumps {
  struct loop *loop;
  double announce;
  int n;
  double jump;
};

static void on_jump(void *arg, double jump)
{
  struct jumps *j = arg;
  j->n++;
  j->jump = jump;
}

static void announce_step(void *arg)
{
  struct jumps *j = arg;
  loop_clock_stepped(j->loop, j->announce);
}

static void quit_loop(void *arg)
{
  loop_quit(arg, 0);
}

static void test_clock_jump_detected(void **state)
{
  (void)state;
  const double announced[] = {20.0, -15.0, 5.0};
  for (size_t i = 0; i < sizeof(announced) / sizeof(announced[0]); i++) {
    struct jumps j = {.loop = loop_new(), .announce = announced[i]};
    assert_non_null(j.loop);
    loop_watch_jumps(j.loop, on_jump, &j);
    loop_add_timer(j.loop, 0.01, announce_step, &j);
    loop_add_timer(j.loop, 0.05, quit_loop, j.loop);
    assert_int_equal(loop_run(j.loop), 0);
    if (announced[i] > LOOP_JUMP_THRESHOLD || announced[i] < -LOOP_JUMP_THRESHOLD) {
      assert_int_equal(j.n, 1);
      assert_true(j.jump < -announced[i] + 0.01 && j.jump > -announced[i] - 0.01);
    } else {
      assert_int_equal(j.n, 0);
    }
    loop_free(j.loop);
  }
}

/* Output watching: a full socket is not reported writable until its
 * peer reads; the watch then fires (once the handler drops it, no more),
 * and its input watch is untouched. Paused input is not reported. */
struct writer {
  struct loop *loop;
  int peer;
  int drained, writable, inputs;
  int fired_after_drain;
};

static void on_input(void *arg, int fd)
{
  char buf[64];
  struct writer *w = arg;
  w->inputs++;
  while (read(fd, buf, sizeof(buf)) > 0)
    ;
}

static void on_writable(void *arg, int fd)
{
  struct writer *w = arg;
  w->writable++;
  w->fired_after_drain = w->drained;
  assert_int_equal(loop_watch_output(w->loop, fd, NULL), 0);
}

static void drain(void *arg)
{
  struct writer *w = arg;
  char buf[65536];
  while (read(w->peer, buf, sizeof(buf)) > 0)
    ;
  w->drained = 1;
}

static void test_output_watch(void **state)
{
  (void)state;
  int sv[2];
  char block[4096] = {0};
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  while (write(sv[0], block, sizeof(block)) > 0)   /* bounded by the socket's buffer */
    ;
  assert_int_equal(errno, EAGAIN);
  struct writer w = {.loop = loop_new(), .peer = sv[1]};
  assert_int_equal(loop_watch_output(w.loop, sv[0], on_writable), -ENOENT);
  assert_int_equal(loop_add_fd(w.loop, sv[0], on_input, &w), 0);
  assert_int_equal(loop_watch_output(w.loop, sv[0], on_writable), 0);
  loop_add_timer(w.loop, 0.05, drain, &w);
  loop_add_timer(w.loop, 0.15, quit_loop, w.loop);
  assert_int_equal(loop_run(w.loop), 0);
  assert_int_equal(w.writable, 1);
  assert_int_equal(w.fired_after_drain, 1);
  assert_int_equal(w.inputs, 0);
  /* input paused: not reported until resumed; still watched */
  assert_int_equal(loop_pause_input(w.loop, sv[0], true), 0);
  assert_int_equal(write(sv[1], "x", 1), 1);
  loop_add_timer(w.loop, 0.05, quit_loop, w.loop);
  assert_int_equal(loop_run(w.loop), 0);
  assert_int_equal(w.inputs, 0);
  assert_int_equal(loop_pause_input(w.loop, sv[0], false), 0);
  loop_add_timer(w.loop, 0.05, quit_loop, w.loop);
  assert_int_equal(loop_run(w.loop), 0);
  assert_int_equal(w.inputs, 1);
  assert_int_equal(loop_pause_input(w.loop, 12345, true), -ENOENT);
  assert_int_equal(w.writable, 1);
  loop_free(w.loop);
  close(sv[0]);
  close(sv[1]);
}

struct errs {
  struct loop *loop;
  int errors, inputs;
};

static void on_error_queue(void *arg, int fd)
{
  struct errs *e = arg;
  char data[256], control[256];
  struct iovec iov = {data, sizeof(data)};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  do {
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
  } while (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) >= 0 && ++e->errors);
}

static void on_datagram(void *arg, int fd)
{
  struct errs *e = arg;
  char buf[64];
  while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
    e->inputs++;
}

static int udp_socket(struct sockaddr_in *addr)
{
  socklen_t len = sizeof(*addr);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  *addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  assert_true(fd >= 0);
  assert_int_equal(bind(fd, (struct sockaddr *)addr, sizeof(*addr)), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)addr, &len), 0);
  return fd;
}

/* A transmit timestamp on the error queue goes to the error handler, a
 * datagram to the input handler. */
static void test_error_watch(void **state)
{
  (void)state;
  struct sockaddr_in a, b;
  int s = udp_socket(&a), r = udp_socket(&b);
  int flags = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
              SOF_TIMESTAMPING_OPT_TSONLY;
  assert_int_equal(setsockopt(s, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)), 0);
  struct errs e = {.loop = loop_new()};
  assert_int_equal(loop_watch_errors(e.loop, s, on_error_queue), -ENOENT);
  assert_int_equal(loop_add_fd(e.loop, s, on_datagram, &e), 0);
  assert_int_equal(loop_watch_errors(e.loop, s, on_error_queue), 0);
  assert_int_equal(sendto(s, "x", 1, 0, (struct sockaddr *)&b, sizeof(b)), 1);
  loop_add_timer(e.loop, 0.05, quit_loop, e.loop);
  assert_int_equal(loop_run(e.loop), 0);
  assert_int_equal(e.errors, 1);
  assert_int_equal(e.inputs, 0);
  assert_int_equal(sendto(r, "y", 1, 0, (struct sockaddr *)&a, sizeof(a)), 1);
  loop_add_timer(e.loop, 0.05, quit_loop, e.loop);
  assert_int_equal(loop_run(e.loop), 0);
  assert_int_equal(e.errors, 1);
  assert_int_equal(e.inputs, 1);
  loop_free(e.loop);
  close(s);
  close(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_timers_run_in_deadline_order),
    cmocka_unit_test(test_zero_delay_timer_does_not_starve_fds),
    cmocka_unit_test(test_signal_delivered_through_loop),
    cmocka_unit_test(test_handler_may_remove_its_fd),
    cmocka_unit_test(test_clock_jump_detected),
    cmocka_unit_test(test_output_watch),
    cmocka_unit_test(test_error_watch),
  };
  return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
