/* dirs: the parent of a path, creation with modes and owners, and the two
 * checks (each rejection path). Runs as any user: ownership is the
 * caller's own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/dirs.h"

static char base[64];

static int make_base(void **state)
{
  (void)state;
  strcpy(base, "/tmp/stratum-dirs-XXXXXX");
  return mkdtemp(base) ? 0 : -1;
}

static int remove_base(void **state)
{
  char cmd[128];
  (void)state;
  snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
  return system(cmd) == 0 ? 0 : -1;
}

static const char *at(const char *rel)
{
  static char path[256];
  snprintf(path, sizeof(path), "%s/%s", base, rel);
  return path;
}

static mode_t mode_of(const char *rel)
{
  struct stat st;
  assert_int_equal(stat(at(rel), &st), 0);
  return st.st_mode & 07777;
}

static void test_parent(void **state)
{
  char d[8];
  (void)state;
  assert_true(dirs_parent("/run/x/s.sock", d, sizeof(d)));
  assert_string_equal(d, "/run/x");
  assert_true(dirs_parent("/s.sock", d, sizeof(d)));
  assert_string_equal(d, "/");
  assert_true(dirs_parent("s.sock", d, sizeof(d)));
  assert_string_equal(d, ".");
  assert_false(dirs_parent("/run/longer/s.sock", d, sizeof(d)));
}

static void test_create_modes(void **state)
{
  (void)state;
  umask(022);                              /* the modes are not the umask's */
  assert_true(dirs_create(at("a/b//c/"), 0770, geteuid(), getegid()));
  assert_int_equal(mode_of("a"), 0750);
  assert_int_equal(mode_of("a/b"), 0750);
  assert_int_equal(mode_of("a/b/c"), 0770);
  /* Existing directories are left as they are. */
  assert_int_equal(chmod(at("a/b"), 0755), 0);
  assert_true(dirs_create(at("a/b"), 0750, geteuid(), getegid()));
  assert_int_equal(mode_of("a/b"), 0755);
}

static void test_create_refuses_a_file(void **state)
{
  (void)state;
  FILE *f = fopen(at("file"), "w");
  assert_non_null(f);
  fclose(f);
  assert_false(dirs_create(at("file"), 0750, geteuid(), getegid()));
  assert_false(dirs_create(at("file/sub"), 0750, geteuid(), getegid()));
  assert_false(dirs_check_exact(at("file"), 0770, geteuid(), getegid()));
  assert_false(dirs_check_private(at("file"), geteuid(), getegid()));
  assert_false(dirs_check_exact(at("missing"), 0770, geteuid(), getegid()));
}

static void test_check_exact(void **state)
{
  (void)state;
  assert_int_equal(mkdir(at("s"), 0700), 0);
  assert_true(dirs_check_exact(at("s"), 0770, geteuid(), getegid()));
  assert_int_equal(chmod(at("s"), 0771), 0);
  assert_false(dirs_check_exact(at("s"), 0770, geteuid(), getegid()));
  assert_int_equal(chmod(at("s"), 0770), 0);
  assert_false(dirs_check_exact(at("s"), 0770, geteuid() + 1, getegid()));
  assert_false(dirs_check_exact(at("s"), 0770, geteuid(), getegid() + 1));
}

static void test_check_private(void **state)
{
  (void)state;
  assert_int_equal(mkdir(at("p"), 0755), 0);
  assert_true(dirs_check_private(at("p"), geteuid(), getegid()));
  assert_int_equal(chmod(at("p"), 0757), 0);
  assert_false(dirs_check_private(at("p"), geteuid(), getegid()));
  assert_int_equal(chmod(at("p"), 01777), 0);   /* sticky or not */
  assert_false(dirs_check_private(at("p"), geteuid(), getegid()));
  assert_int_equal(chmod(at("p"), 0775), 0);
  /* Group-writable: only for root's group or the daemon's. */
  assert_true(dirs_check_private(at("p"), geteuid(), getegid()));
  if (getegid() != 0)
    assert_false(dirs_check_private(at("p"), geteuid(), getegid() + 1));
  /* Owned by neither root nor the daemon's user. */
  if (geteuid() != 0)
    assert_false(dirs_check_private(at("p"), geteuid() + 1, getegid()));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parent),
    cmocka_unit_test_setup_teardown(test_create_modes, make_base, remove_base),
    cmocka_unit_test_setup_teardown(test_create_refuses_a_file, make_base, remove_base),
    cmocka_unit_test_setup_teardown(test_check_exact, make_base, remove_base),
    cmocka_unit_test_setup_teardown(test_check_private, make_base, remove_base),
  };
  return cmocka_run_group_tests_name("dirs", tests, NULL, NULL);
}
