#include "sys/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIGNAL 64

struct fd_watch {
  int fd;
  loop_fd_fn fn;
  void *arg;
  loop_fd_fn out_fn;          /* NULL: not watched for output */
  loop_fd_fn err_fn;          /* NULL: errors go to fn */
  bool input_paused;
};

struct timer {
  double deadline;            /* CLOCK_MONOTONIC seconds */
  uint64_t id;
  loop_timer_fn fn;
  void *arg;
};

struct signal_watch {
  loop_signal_fn fn;
  void *arg;
};

struct loop {
  struct fd_watch *fds;
  unsigned n_fds, cap_fds;
  bool fds_changed;           /* a watch was removed while dispatching */
  struct timer *heap;
  unsigned n_timers, cap_timers;
  uint64_t next_id;
  struct signal_watch signals[MAX_SIGNAL];
  int sig_pipe[2];
  bool quit;
  int code;
  struct loop_stamp stamp;    /* of this wake-up */
  loop_jump_fn jump_fn;
  void *jump_arg;
};

/* The self-pipe of the one loop that watches signals. */
static int signal_write_fd = -1;

#define STAMP_MAX_SPREAD 1e-3       /* s between the two MONOTONIC reads */

static double monotonic_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Both clocks at one moment: REALTIME read between two MONOTONIC reads,
 * taken as their midpoint (a bounded number of tries to get reads close
 * together, so a preemption between them is not taken for a jump). */
static struct loop_stamp read_stamp(void)
{
  struct timespec m1, r, m2;
  double mono = 0.0, real = 0.0;
  for (int i = 0; i < 3; i++) {
    clock_gettime(CLOCK_MONOTONIC, &m1);
    clock_gettime(CLOCK_REALTIME, &r);
    clock_gettime(CLOCK_MONOTONIC, &m2);
    double a = (double)m1.tv_sec + m1.tv_nsec * 1e-9, b = (double)m2.tv_sec + m2.tv_nsec * 1e-9;
    mono = (a + b) / 2.0;
    real = (double)r.tv_sec + r.tv_nsec * 1e-9;
    if (b - a < STAMP_MAX_SPREAD)
      break;
  }
  return (struct loop_stamp){.mono = mono, .real = real};
}

static void on_signal_pipe(void *arg, int fd);

struct loop *loop_new(void)
{
  struct loop *l = calloc(1, sizeof(*l));
  if (!l)
    return NULL;
  l->next_id = 1;
  if (pipe2(l->sig_pipe, O_NONBLOCK | O_CLOEXEC) < 0 ||
      loop_add_fd(l, l->sig_pipe[0], on_signal_pipe, l) < 0) {
    loop_free(l);
    return NULL;
  }
  return l;
}

void loop_free(struct loop *l)
{
  if (!l)
    return;
  for (int s = 1; s < MAX_SIGNAL; s++)
    if (l->signals[s].fn)
      signal(s, SIG_DFL);
  if (signal_write_fd == l->sig_pipe[1])
    signal_write_fd = -1;
  if (l->sig_pipe[0] > 0) {
    close(l->sig_pipe[0]);
    close(l->sig_pipe[1]);
  }
  free(l->fds);
  free(l->heap);
  free(l);
}

int loop_add_fd(struct loop *l, int fd, loop_fd_fn fn, void *arg)
{
  if (l->n_fds == l->cap_fds) {
    unsigned cap = l->cap_fds ? l->cap_fds * 2 : 8;
    struct fd_watch *n = realloc(l->fds, cap * sizeof(*n));
    if (!n)
      return -ENOMEM;
    l->fds = n;
    l->cap_fds = cap;
  }
  l->fds[l->n_fds++] = (struct fd_watch){fd, fn, arg, NULL, NULL, false};
  return 0;
}

/* The watch of fd, or NULL. */
static struct fd_watch *find_watch(struct loop *l, int fd)
{
  for (unsigned j = 0; j < l->n_fds; j++)
    if (l->fds[j].fd == fd)
      return &l->fds[j];
  return NULL;
}

int loop_watch_output(struct loop *l, int fd, loop_fd_fn fn)
{
  for (unsigned i = 0; i < l->n_fds; i++) {
    if (l->fds[i].fd == fd) {
      l->fds[i].out_fn = fn;
      return 0;
    }
  }
  return -ENOENT;
}

int loop_watch_errors(struct loop *l, int fd, loop_fd_fn fn)
{
  struct fd_watch *w = find_watch(l, fd);
  if (!w)
    return -ENOENT;
  w->err_fn = fn;
  return 0;
}

int loop_pause_input(struct loop *l, int fd, bool paused)
{
  for (unsigned i = 0; i < l->n_fds; i++) {
    if (l->fds[i].fd == fd) {
      l->fds[i].input_paused = paused;
      return 0;
    }
  }
  return -ENOENT;
}

void loop_remove_fd(struct loop *l, int fd)
{
  for (unsigned i = 0; i < l->n_fds; i++) {
    if (l->fds[i].fd == fd) {
      l->fds[i] = l->fds[--l->n_fds];
      l->fds_changed = true;
      return;
    }
  }
}

/* --- timer heap --- */

static void heap_swap(struct loop *l, unsigned a, unsigned b)
{
  struct timer t = l->heap[a];
  l->heap[a] = l->heap[b];
  l->heap[b] = t;
}

static bool earlier(const struct timer *a, const struct timer *b)
{
  /* Ties go to the older timer, so equal deadlines run in arming order. */
  return a->deadline < b->deadline || (a->deadline == b->deadline && a->id < b->id);
}

static void sift_up(struct loop *l, unsigned i)
{
  while (i > 0 && earlier(&l->heap[i], &l->heap[(i - 1) / 2])) {
    heap_swap(l, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
}

static void sift_down(struct loop *l, unsigned i)
{
  for (;;) {
    unsigned smallest = i, left = 2 * i + 1, right = 2 * i + 2;
    if (left < l->n_timers && earlier(&l->heap[left], &l->heap[smallest]))
      smallest = left;
    if (right < l->n_timers && earlier(&l->heap[right], &l->heap[smallest]))
      smallest = right;
    if (smallest == i)
      return;
    heap_swap(l, i, smallest);
    i = smallest;
  }
}

static void heap_remove(struct loop *l, unsigned i)
{
  l->heap[i] = l->heap[--l->n_timers];
  if (i < l->n_timers) {
    sift_up(l, i);
    sift_down(l, i);
  }
}

uint64_t loop_add_timer(struct loop *l, double delay, loop_timer_fn fn, void *arg)
{
  if (l->n_timers == l->cap_timers) {
    unsigned cap = l->cap_timers ? l->cap_timers * 2 : 16;
    struct timer *n = realloc(l->heap, cap * sizeof(*n));
    if (!n)
      return 0;
    l->heap = n;
    l->cap_timers = cap;
  }
  if (!(delay > 0.0))  /* also catches NaN */
    delay = 0.0;
  struct timer t = {monotonic_now() + delay, l->next_id++, fn, arg};
  l->heap[l->n_timers] = t;
  sift_up(l, l->n_timers++);
  return t.id;
}

void loop_cancel_timer(struct loop *l, uint64_t id)
{
  for (unsigned i = 0; i < l->n_timers; i++) {
    if (l->heap[i].id == id) {
      heap_remove(l, i);
      return;
    }
  }
}

/* Run the timers due now. Timers armed while running get ids above
 * `last_id` and wait for the next pass. */
static void run_timers(struct loop *l)
{
  double now = l->stamp.mono;
  uint64_t last_id = l->next_id;
  unsigned budget = l->n_timers;
  while (budget-- > 0 && l->n_timers > 0 && l->heap[0].deadline <= now &&
         l->heap[0].id < last_id) {
    struct timer t = l->heap[0];
    heap_remove(l, 0);
    t.fn(t.arg);
  }
}

static int poll_timeout_ms(const struct loop *l)
{
  if (l->n_timers == 0)
    return -1;
  double wait = l->heap[0].deadline - monotonic_now();
  if (wait <= 0.0)
    return 0;
  if (wait > 3600.0)
    wait = 3600.0;
  return (int)ceil(wait * 1000.0);
}

/* --- signals --- */

static void signal_handler(int signo)
{
  int saved = errno;
  unsigned char b = (unsigned char)signo;
  if (signal_write_fd >= 0 && write(signal_write_fd, &b, 1) < 0) {
    /* Pipe full: the signal is already pending in it. */
  }
  errno = saved;
}

static void on_signal_pipe(void *arg, int fd)
{
  struct loop *l = arg;
  unsigned char buf[64];
  ssize_t n = read(fd, buf, sizeof(buf));
  for (ssize_t i = 0; i < n; i++) {
    struct signal_watch *w = &l->signals[buf[i] % MAX_SIGNAL];
    if (w->fn)
      w->fn(w->arg, buf[i]);
  }
}

int loop_watch_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg)
{
  struct sigaction sa;
  if (signo <= 0 || signo >= MAX_SIGNAL)
    return -EINVAL;
  l->signals[signo] = (struct signal_watch){fn, arg};
  signal_write_fd = l->sig_pipe[1];
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = signal_handler;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  return sigaction(signo, &sa, NULL) < 0 ? -errno : 0;
}

/* --- the loop --- */

static void dispatch_fds(struct loop *l, struct pollfd *pfds, unsigned n)
{
  l->fds_changed = false;
  for (unsigned i = 0; i < n && !l->quit; i++) {
    /* Handlers may remove watches: look the fd up again every time. */
    struct fd_watch *w;
    short ev = pfds[i].revents;
    if ((ev & POLLOUT) && (w = find_watch(l, pfds[i].fd)) && w->out_fn)
      w->out_fn(w->arg, pfds[i].fd);
    if ((ev & POLLERR) && !l->quit && (w = find_watch(l, pfds[i].fd)) && w->err_fn) {
      w->err_fn(w->arg, pfds[i].fd);
      ev &= (short)~POLLERR;
    }
    if (!(ev & (POLLIN | POLLERR | POLLHUP)) || l->quit || !(w = find_watch(l, pfds[i].fd)))
      continue;
    if (!w->input_paused)
      w->fn(w->arg, pfds[i].fd);
    else if ((ev & (POLLERR | POLLHUP)) && !(ev & POLLOUT) && w->out_fn)
      w->out_fn(w->arg, pfds[i].fd);   /* not told already */
  }
}

/* The wake-up's stamp, and an outside step of REALTIME across the wait:
 * it moved unlike MONOTONIC (which slews with it, but never steps). */
static void stamp_wakeup(struct loop *l)
{
  struct loop_stamp prev = l->stamp, now = read_stamp();
  l->stamp = now;
  double jump = (now.real - prev.real) - (now.mono - prev.mono);
  if (!(fabs(jump) > LOOP_JUMP_THRESHOLD))
    return;
  if (l->jump_fn)
    l->jump_fn(l->jump_arg, jump);
}

void loop_watch_jumps(struct loop *l, loop_jump_fn fn, void *arg)
{
  l->jump_fn = fn;
  l->jump_arg = arg;
}

void loop_clock_stepped(struct loop *l, double seconds)
{
  l->stamp.real += seconds;
}

struct loop_stamp loop_event_time(const struct loop *l)
{
  return l->stamp;
}

int loop_run(struct loop *l)
{
  struct pollfd *pfds = NULL;
  unsigned cap = 0;
  l->quit = false;
  l->stamp = read_stamp();
  while (!l->quit) {
    if (cap < l->n_fds) {
      struct pollfd *n = realloc(pfds, l->n_fds * sizeof(*n));
      if (!n) {
        l->code = -ENOMEM;
        break;
      }
      pfds = n;
      cap = l->n_fds;
    }
    unsigned n_fds = l->n_fds;
    for (unsigned i = 0; i < n_fds; i++)
      pfds[i] = (struct pollfd){.fd = l->fds[i].fd,
                                .events = (short)((l->fds[i].input_paused ? 0 : POLLIN) |
                                                  (l->fds[i].out_fn ? POLLOUT : 0))};
    int r = poll(pfds, n_fds, poll_timeout_ms(l));
    if (r < 0 && errno != EINTR) {
      l->code = -errno;
      break;
    }
    stamp_wakeup(l);
    if (r > 0)
      dispatch_fds(l, pfds, n_fds);
    if (!l->quit)
      run_timers(l);
  }
  free(pfds);
  return l->code;
}

void loop_quit(struct loop *l, int code)
{
  l->quit = true;
  l->code = code;
}
