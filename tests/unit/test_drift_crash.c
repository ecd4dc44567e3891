/* kill -9 while the drift file is being rewritten never leaves it empty or
 * truncated (issue 5, "Must hold"). A child process rewrites the drift file
 * in a loop through the daemon's own writer (driftfile_format +
 * atomic_file_write, as daemon/drift.c does) and is SIGKILLed at a random
 * moment; meanwhile and afterwards the parent reads the file, which must
 * always parse and hold a whole record the child wrote (or the one before).
 * Each record's frequency is its sequence number, so the parent counts the
 * rewrites that completed. It goes on until 200 kills were made (within 25
 * s, or it fails) and 1000 rewrites completed, or 5 s passed: on a busy
 * disk a rewrite (its fsync) takes up to 12 ms. With $DRIFT_CRASH_REWRITES
 * (10 000 in `make check-long`) it goes on until that many completed,
 * within 25 s a 1000. The directory is a fresh one under $TMPDIR (default
 * /tmp).
 *
 * Time: a rewrite costs 1-4 ms here on an idle disk, a kill 10 ms on
 * average (a random delay of 0-20 ms): 200 kills take 2-4 s, with about 10
 * rewrites each; at most 5 s when the disk is slow. 10 000 rewrites and
 * delays of up to 50 ms took 6-12 s. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf/driftfile.h"
#include "sys/atomic_file.h"

#define REWRITES 1000         /* stop after this many (or REWRITE_TIME) and MIN_KILLS... */
#define REWRITE_TIME 5.0
#define TIME_LIMIT 25.0       /* ...or this many seconds */
#define MIN_KILLS 200         /* enough to count, even on a loaded machine */
#define MAX_KILL_DELAY_US 20000
#define READ_PAUSE_US 200     /* between reads: leave the CPU to the writer */

/* Record i: frequency i ppm; the skew alternates so that a record mixed
 * from two writes would not match. */
static double skew_of(long i)
{
  return i % 2 ? 0.5 : 999.25;
}

static int write_record(const char *path, long i)
{
  char buf[128];
  size_t len = driftfile_format(buf, sizeof(buf), (double)i, skew_of(i));
  return len ? atomic_file_write(path, buf, len, 0644) : -EINVAL;
}

/* The record number in the file, or -1 (why in err) unless it is a whole
 * record. */
static long read_record(const char *path, char *err, size_t cap)
{
  char text[257];
  double freq, skew;
  ssize_t n = atomic_file_read(path, text, 256);
  if (n <= 0) {
    snprintf(err, cap, "%s: %s", path, n == 0 ? "empty" : strerror((int)-n));
    return -1;
  }
  if (!driftfile_parse(text, &freq, &skew)) {
    snprintf(err, cap, "%s does not parse: '%s'", path, text);
    return -1;
  }
  long i = lround(freq);
  if (fabs(freq - (double)i) > 1e-9 || skew != skew_of(i) || i < 0) {
    snprintf(err, cap, "%s holds a mixed record: '%s'", path, text);
    return -1;
  }
  return i;
}

static double now_s(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* Remove the directory, with the temporary files killed writers left;
 * returns how many of those there were. */
static unsigned remove_dir(const char *dir)
{
  unsigned n = 0;
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[512];
  assert_non_null(d);
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    n += strcmp(e->d_name, "drift") != 0;
    unlink(path);
  }
  closedir(d);
  rmdir(dir);
  return n;
}

static void test_kill_during_rewrites(void **state)
{
  (void)state;
  const char *tmp = getenv("TMPDIR");
  char dir[256], path[300];
  snprintf(dir, sizeof(dir), "%s/stratum-drift-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/drift", dir);
  assert_int_equal(write_record(path, 0), 0);

  const char *want = getenv("DRIFT_CRASH_REWRITES");
  long rewrites = want && atol(want) > 0 ? atol(want) : REWRITES;
  double scale = (double)rewrites / REWRITES > 1 ? (double)rewrites / REWRITES : 1;
  double time_limit = TIME_LIMIT * scale;
  /* With a count asked for, that count (within the time limit). */
  double rewrite_time = want && atol(want) > 0 ? time_limit : REWRITE_TIME;
  unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
  srand(seed);
  long done = 0, next = 1;      /* rewrites completed; the next record */
  unsigned kills = 0, reads = 0, killed_mid_rename = 0;
  double start = now_s();
  while (((done < rewrites && now_s() - start < rewrite_time) || kills < MIN_KILLS) &&
         now_s() - start < time_limit) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      for (long i = next;; i++)
        if (write_record(path, i) != 0)
          _exit(1);
    }
    /* Read while the child writes: old or new, never anything else. The
     * child is killed before any check can fail. */
    double until = now_s() + (rand() % MAX_KILL_DELAY_US) * 1e-6;
    long seen = next - 1, i;
    char err[512] = "";
    do {
      i = read_record(path, err, sizeof(err));
      if (i >= 0 && i < seen)
        snprintf(err, sizeof(err), "record %ld after %ld", i, seen);
      seen = i;
      reads++;
      usleep(READ_PAUSE_US);
    } while (*err == '\0' && now_s() < until);
    int status;
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (*err)
      fail_msg("while writing: %s", err);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    kills++;
    long last = read_record(path, err, sizeof(err));
    if (last < 0)
      fail_msg("after kill -9: %s", err);
    assert_true(last >= next - 1);
    killed_mid_rename += last == next - 1;
    done += last - (next - 1);
    next = last + 1;
  }
  double took = now_s() - start;
  unsigned stale = remove_dir(dir);
  print_message("seed %u: %ld rewrites, %u kills (%u before the child's first rename), %u reads "
                "in %.1f s; %u temporary files left by killed writers\n",
                seed, done, kills, killed_mid_rename, reads, took, stale);
  if (kills < MIN_KILLS)
    fail_msg("only %u kills within %.0f s", kills, time_limit);
  /* the writer's one temporary name: at most one leftover, whatever the kills */
  assert_true(stale <= 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_kill_during_rewrites),
  };
  return cmocka_run_group_tests_name("drift_crash", tests, NULL, NULL);
}
