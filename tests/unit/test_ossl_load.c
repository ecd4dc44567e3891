/* Tests of ossl_load on the module built here (OSSL_MODULE): a copy that
 * group or others may write, one owned by another user (as root), a file
 * that is no module and a missing one are refused with the reason and the
 * path, and no table is set; a good copy loads, its table computes a known
 * SHA1 digest; a program outside the build directory looks at the
 * installed path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/ossl.h"
#include "sys/ossl_load.h"

static char dir[] = "/tmp/test_ossl_load.XXXXXX";
static char copy[sizeof(dir) + 32];

static int make_copy(void **state)
{
  char cmd[512];
  (void)state;
  assert_non_null(mkdtemp(dir));
  snprintf(copy, sizeof(copy), "%s/stratum-ossl.so", dir);
  snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", OSSL_MODULE, copy);
  assert_int_equal(system(cmd), 0);
  return 0;
}

static int remove_copy(void **state)
{
  char cmd[512];
  (void)state;
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  return system(cmd);
}

/* ossl_load_file(path) fails with an error naming path and `reason`. */
static void refused(const char *path, const char *reason)
{
  char err[512] = "";
  assert_false(ossl_load_file(path, err, sizeof(err)));
  assert_non_null(strstr(err, path));
  assert_non_null(strstr(err, reason));
  assert_null(ossl_get());
}

static void test_writable_refused(void **state)
{
  (void)state;
  assert_int_equal(chmod(copy, 0664), 0);
  refused(copy, "writable by group or others");
  assert_int_equal(chmod(copy, 0646), 0);
  refused(copy, "writable by group or others");
  assert_int_equal(chmod(copy, 0644), 0);
}

static void test_other_owner_refused(void **state)
{
  (void)state;
  if (geteuid() != 0)
    skip();
  assert_int_equal(chown(copy, 65534, 65534), 0);
  refused(copy, "not owned by root");
  assert_int_equal(chown(copy, 0, 0), 0);
}

static void test_not_a_module_refused(void **state)
{
  char path[sizeof(dir) + 32];
  FILE *f;
  (void)state;
  snprintf(path, sizeof(path), "%s/junk.so", dir);
  assert_non_null(f = fopen(path, "w"));
  fputs("not an ELF file\n", f);
  fclose(f);
  assert_int_equal(chmod(path, 0644), 0);
  refused(path, "could not load");
  snprintf(path, sizeof(path), "%s/missing.so", dir);
  refused(path, "No such file");
  refused(dir, "not a regular file");
}

static void test_good_copy_loads(void **state)
{
  char err[512] = "";
  uint8_t out[64];
  static const uint8_t abc_sha1[20] = {0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
                                       0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d};
  (void)state;
  assert_true(ossl_load_file(copy, err, sizeof(err)));
  assert_non_null(ossl_get());
  assert_int_equal(ossl_get()->version, OSSL_OPS_VERSION);
  assert_int_equal(ossl_get()->digest("SHA1", (const uint8_t *)"a", 1, (const uint8_t *)"bc", 2, out,
                                  sizeof(out)), 20);
  assert_memory_equal(out, abc_sha1, 20);
  /* loaded once: a second call does not look at the file again */
  assert_true(ossl_load(err, sizeof(err)));
}

static void test_installed_path(void **state)
{
  (void)state;
  /* this program is in the build directory's tests/unit, not in its root */
  assert_string_equal(ossl_load_path(), STRATUM_OSSL_DIR "/stratum-ossl.so");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_installed_path),
    cmocka_unit_test(test_writable_refused),
    cmocka_unit_test(test_other_owner_refused),
    cmocka_unit_test(test_not_a_module_refused),
    cmocka_unit_test(test_good_copy_loads),
  };
  return cmocka_run_group_tests_name("ossl_load", tests, make_copy, remove_copy);
}
