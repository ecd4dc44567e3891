/* loop: the one poll(2)-based event loop of the daemon.
 *
 * File descriptors are watched for input (and for room to write, when
 * asked); timers live in a binary heap
 * ordered by their deadline on CLOCK_MONOTONIC, so stepping the real-time
 * clock does not move them. Signals are turned into ordinary events through a
 * self-pipe. Handlers may add and remove watches and timers, including their
 * own.
 *
 * Each wake-up reads REALTIME and MONOTONIC once (loop_event_time(); the
 * due timers run against it). Across the wait both clocks advance alike,
 * slewed or not; when REALTIME moved by more than LOOP_JUMP_THRESHOLD
 * otherwise, another process (or a resumed VM) stepped it, and the jump
 * watcher is told, as chronyd's scheduler detects jumps. The daemon's own
 * steps are announced with loop_clock_stepped(). */
#ifndef STRATUM_SYS_LOOP_H
#define STRATUM_SYS_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;

typedef void (*loop_fd_fn)(void *arg, int fd);
typedef void (*loop_timer_fn)(void *arg);
typedef void (*loop_signal_fn)(void *arg, int signo);
/* jump: seconds the real-time clock was stepped by (> 0: forward). */
typedef void (*loop_jump_fn)(void *arg, double jump);

#include "core/platform.h"

#define LOOP_JUMP_THRESHOLD PLAT_JUMP_THRESHOLD

struct loop_stamp {
  double mono, real;          /* seconds: CLOCK_MONOTONIC, CLOCK_REALTIME */
};

struct loop *loop_new(void);
void loop_free(struct loop *l);

int loop_add_fd(struct loop *l, int fd, loop_fd_fn fn, void *arg);
void loop_remove_fd(struct loop *l, int fd);
/* Also call fn (with the watch's arg) when the watched fd can be written
 * to; NULL stops that. -ENOENT if fd is not watched. For a socket whose
 * peer reads slowly: write what it takes, then wait for room. */
int loop_watch_output(struct loop *l, int fd, loop_fd_fn fn);
/* Call fn (with the watch's arg), not the input handler, when poll reports
 * an error on the watched fd (a socket's error queue holds a message);
 * NULL gives errors to the input handler again. -ENOENT if fd is not
 * watched. */
int loop_watch_errors(struct loop *l, int fd, loop_fd_fn fn);
/* Stop (or resume) watching fd for input, e.g. while output waits: a peer's
 * end of file is not reported again and again meanwhile. While paused, an
 * error or hang-up goes to the output handler, if any. -ENOENT if fd is not
 * watched. */
int loop_pause_input(struct loop *l, int fd, bool paused);

/* Returns a non-zero id. A delay below zero counts as zero; timers that come
 * due while timers run wait for the next pass, so a handler re-arming itself
 * with no delay cannot starve the sockets. */
uint64_t loop_add_timer(struct loop *l, double delay, loop_timer_fn fn, void *arg);
void loop_cancel_timer(struct loop *l, uint64_t id);

/* Deliver signo to fn from the loop (not from the signal handler). */
int loop_watch_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg);

void loop_watch_jumps(struct loop *l, loop_jump_fn fn, void *arg);
/* The daemon stepped the clock itself by `seconds`: not a jump. */
void loop_clock_stepped(struct loop *l, double seconds);
/* When the current wake-up began. */
struct loop_stamp loop_event_time(const struct loop *l);

/* Run until loop_quit(); returns the code given to it. */
int loop_run(struct loop *l);
void loop_quit(struct loop *l, int code);

#endif
