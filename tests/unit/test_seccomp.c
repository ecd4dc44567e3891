/* seccomp: each level's filter, loaded in a child process that then makes
 * one system call; the parent checks how the child ended. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sys/seccomp.h"

enum probe { PROBE_CLOCK, PROBE_GETPPID, PROBE_FORK, PROBE_ACCEPT4 };

/* Status of a child that loads `level` and makes the probe's call, then
 * _exit(0)s (no atexit handlers: a sanitizer's would make other calls). */
static int run_child(int level, enum probe probe)
{
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    if (scf_install(level) != 0)
      _exit(2);
    struct timespec ts;
    switch (probe) {
    case PROBE_CLOCK: syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts); break;
    case PROBE_GETPPID: syscall(SYS_getppid); break;
    case PROBE_FORK: if (syscall(SYS_fork) == 0) _exit(0); break;
    case PROBE_ACCEPT4: syscall(SYS_accept4, -1, NULL, NULL, 0); break;   /* the metrics server's */
    }
    _exit(0);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  return status;
}

static bool exited_ok(int status)
{
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static bool killed(int status)
{
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}

static void test_levels_valid(void **state)
{
  (void)state;
  for (int l = -2; l <= 2; l++)
    assert_true(scf_level_valid(l));
  assert_false(scf_level_valid(3));
  assert_false(scf_level_valid(-3));
  assert_int_equal(scf_install(3), -22);
}

static void test_level0_is_no_filter(void **state)
{
  (void)state;
  assert_true(exited_ok(run_child(0, PROBE_GETPPID)));
}

static void test_level1_allows_listed_kills_others(void **state)
{
  (void)state;
  assert_true(exited_ok(run_child(1, PROBE_CLOCK)));
  assert_true(exited_ok(run_child(1, PROBE_ACCEPT4)));
  assert_true(killed(run_child(1, PROBE_GETPPID)));
  assert_true(killed(run_child(1, PROBE_FORK)));
}

static void test_level2_kills_only_listed(void **state)
{
  (void)state;
  assert_true(exited_ok(run_child(2, PROBE_GETPPID)));
  assert_true(killed(run_child(2, PROBE_FORK)));
}

static void test_negative_levels_only_log(void **state)
{
  (void)state;
  assert_true(exited_ok(run_child(-1, PROBE_GETPPID)));
  assert_true(exited_ok(run_child(-2, PROBE_FORK)));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_levels_valid),
    cmocka_unit_test(test_level0_is_no_filter),
    cmocka_unit_test(test_level1_allows_listed_kills_others),
    cmocka_unit_test(test_level2_kills_only_listed),
    cmocka_unit_test(test_negative_levels_only_log),
  };
  return cmocka_run_group_tests_name("seccomp", tests, NULL, NULL);
}
