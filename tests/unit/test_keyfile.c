/* Tests of the key file parser: chrony's example file, comments and every
 * key type, one test per rejection path with its "FILE:LINE: message",
 * duplicates, lookup, and keyfile_load's reading and permission warnings. */
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

#include "conf/keyfile.h"

struct fixture {
  struct key_table t;
  struct conf_diag d;
  char dir[64];
  char path[96];
};

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));
  strcpy(f->dir, "/tmp/test_keyfile.XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  snprintf(f->path, sizeof(f->path), "%s/chrony.keys", f->dir);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  keyfile_free(&f->t);
  conf_diag_free(&f->d);
  unlink(f->path);
  rmdir(f->dir);
  free(f);
  return 0;
}

static void dump_diag(const struct conf_diag *d)
{
  for (unsigned i = 0; i < d->n; i++)
    print_message("  %s: %s\n", d->items[i].severity == CONF_ERROR ? "error" : "warning",
                  d->items[i].text);
}

static int parse(struct fixture *f, const char *text)
{
  keyfile_free(&f->t);
  conf_diag_free(&f->d);
  return keyfile_parse(&f->t, text, strlen(text), "keys", &f->d);
}

/* text has exactly one message, of severity sev, reading `message`. */
static void expect_one(struct fixture *f, const char *text, enum conf_severity sev,
                       const char *message)
{
  int errors = parse(f, text);
  if (f->d.n != 1 || f->d.items[0].severity != sev ||
      strcmp(f->d.items[0].text, message) != 0) {
    dump_diag(&f->d);
    fail_msg("expected the one message '%s'", message);
  }
  assert_int_equal(errors, sev == CONF_ERROR);
}

static void expect_error(struct fixture *f, const char *text, const char *message)
{
  expect_one(f, text, CONF_ERROR, message);
  assert_int_equal(f->t.n, 0);
}

static void expect_key(const struct fixture *f, uint32_t id, enum ntp_key_type type,
                       const void *bytes, size_t len)
{
  const struct ntp_key *k = keyfile_find(&f->t, id);
  if (!k)
    fail_msg("key %u not found", (unsigned)id);
  assert_int_equal(k->type, type);
  assert_int_equal(k->len, len);
  assert_memory_equal(k->data, bytes, len);
}

/* ---- accepted files ---- */

/* The example of chrony.conf(5). */
static void test_chrony_example(void **state)
{
  struct fixture *f = *state;
  static const char text[] =
    "10 tulip\n"
    "11 hyacinth\n"
    "20 MD5 ASCII:crocus\n"
    "25 SHA1 HEX:933F62BE1D604E68A81B557F18CFA200483F5B70\n"
    "30 AES128 HEX:7EA62AE64D190114D46D5A082F948EC1\n"
    "31 AES256 HEX:37DDCBC67BB902BCB8E995977FAB4D2B5642F5B32EBCEEE421921D97E5CBFE39\n";

  assert_int_equal(parse(f, text), 0);
  assert_int_equal(f->d.n, 0);
  assert_int_equal(f->t.n, 6);
  expect_key(f, 10, NTP_KEY_MD5, "tulip", 5);
  expect_key(f, 11, NTP_KEY_MD5, "hyacinth", 8);
  expect_key(f, 20, NTP_KEY_MD5, "crocus", 6);
  /* The core's view finds the same keys, and none for an ID not there. */
  struct ntp_keyring ring = keyfile_ring(&f->t);
  assert_ptr_equal(ntp_keyring_find(&ring, 20), keyfile_find(&f->t, 20));
  assert_null(ntp_keyring_find(&ring, 21));
  expect_key(f, 25, NTP_KEY_SHA1, "\x93\x3f\x62\xbe\x1d\x60\x4e\x68\xa8\x1b\x55\x7f\x18\xcf"
             "\xa2\x00\x48\x3f\x5b\x70", 20);
  expect_key(f, 30, NTP_KEY_AES128, "\x7e\xa6\x2a\xe6\x4d\x19\x01\x14\xd4\x6d\x5a\x08\x2f"
             "\x94\x8e\xc1", 16);
  assert_int_equal(keyfile_find(&f->t, 31)->len, 32);
  assert_int_equal(f->t.v[0].line, 1);
  assert_int_equal(f->t.v[5].line, 6);
}

static void test_comments_blank_and_space(void **state)
{
  struct fixture *f = *state;
  static const char text[] =
    "# hash\n"
    "! bang\n"
    "; semicolon\n"
    "% percent\n"
    "   # indented comment\n"
    "\n"
    "  \t \n"
    "\t7\t SHA256   ASCII:seven  \n"
    "8 key-with-#-inside\r\n"
    "9 last-line-without-newline";

  assert_int_equal(parse(f, text), 0);
  assert_int_equal(f->d.n, 0);
  assert_int_equal(f->t.n, 3);
  expect_key(f, 7, NTP_KEY_SHA256, "seven", 5);
  expect_key(f, 8, NTP_KEY_MD5, "key-with-#-inside", 17);
  expect_key(f, 9, NTP_KEY_MD5, "last-line-without-newline", 25);
  assert_int_equal(f->t.v[0].line, 8);
}

static void test_every_type(void **state)
{
  struct fixture *f = *state;
  char text[2048] = "";
  size_t used = 0;

  for (unsigned t = 0; t < NTP_KEY_TYPES; t++) {
    size_t need = ntp_key_type_key_len(t);
    used += (size_t)snprintf(text + used, sizeof(text) - used, "%u %s ASCII:%.*s\n", t + 1,
                             ntp_key_type_name(t), need ? (int)need : 12,
                             "0123456789abcdef0123456789abcdef");
  }
  assert_int_equal(parse(f, text), 0);
  assert_int_equal(f->t.n, NTP_KEY_TYPES);
  for (unsigned t = 0; t < NTP_KEY_TYPES; t++)
    assert_int_equal(keyfile_find(&f->t, t + 1)->type, t);
}

static void test_id_range_and_forms(void **state)
{
  struct fixture *f = *state;

  assert_int_equal(parse(f, "4294967295 max\n1 min\n+5 plus\n007 zeros\n"), 0);
  expect_key(f, 4294967295u, NTP_KEY_MD5, "max", 3);
  expect_key(f, 1, NTP_KEY_MD5, "min", 3);
  expect_key(f, 5, NTP_KEY_MD5, "plus", 4);
  expect_key(f, 7, NTP_KEY_MD5, "zeros", 5);
  assert_true(f->t.v[0].id < f->t.v[1].id && f->t.v[2].id < f->t.v[3].id);
}

static void test_hex_and_ascii_prefixes(void **state)
{
  struct fixture *f = *state;

  assert_int_equal(parse(f, "1 HEX:00ff7F\n2 hex:00ff\n3 ASCII:HEX:00\n4 ASCII:ASCII:\n"
                            "5 MD5 HEX:41\n6 ascii:x\n"), 0);
  expect_key(f, 1, NTP_KEY_MD5, "\x00\xff\x7f", 3);
  expect_key(f, 2, NTP_KEY_MD5, "hex:00ff", 8);     /* the prefixes are case-sensitive */
  expect_key(f, 3, NTP_KEY_MD5, "HEX:00", 6);
  expect_key(f, 4, NTP_KEY_MD5, "ASCII:", 6);
  expect_key(f, 5, NTP_KEY_MD5, "A", 1);
  expect_key(f, 6, NTP_KEY_MD5, "ascii:x", 7);
}

/* The longest line chrony reads whole: 2047 characters with the newline. */
static void test_longest_key(void **state)
{
  struct fixture *f = *state;
  char text[2048];

  memset(text, 'k', sizeof(text));
  memcpy(text, "1 ", 2);
  text[2046] = '\n';
  text[2047] = '\0';
  assert_int_equal(parse(f, text), 0);
  assert_int_equal(keyfile_find(&f->t, 1)->len, 2044);
}

static void test_find(void **state)
{
  struct fixture *f = *state;
  struct key_table empty = {0};

  assert_null(keyfile_find(&empty, 1));
  assert_int_equal(parse(f, "5 a\n3 b\n9 c\n1 d\n"), 0);
  assert_null(keyfile_find(&f->t, 0));
  assert_null(keyfile_find(&f->t, 2));
  assert_null(keyfile_find(&f->t, 10));
  assert_null(keyfile_find(&f->t, UINT32_MAX));
  expect_key(f, 9, NTP_KEY_MD5, "c", 1);
  assert_int_equal(f->t.v[0].id, 1);
  assert_int_equal(f->t.v[3].id, 9);
}

/* A removed key is no longer found; the others keep their order. */
static void test_remove(void **state)
{
  struct fixture *f = *state;
  assert_int_equal(parse(f, "5 a\n3 b\n9 c\n1 d\n"), 0);
  keyfile_remove(&f->t, 1);                  /* 3 */
  assert_int_equal(f->t.n, 3);
  assert_null(keyfile_find(&f->t, 3));
  expect_key(f, 1, NTP_KEY_MD5, "d", 1);
  expect_key(f, 5, NTP_KEY_MD5, "a", 1);
  expect_key(f, 9, NTP_KEY_MD5, "c", 1);
  keyfile_remove(&f->t, 2);                  /* the last: 9 */
  assert_int_equal(f->t.n, 2);
  assert_null(keyfile_find(&f->t, 9));
  assert_int_equal(f->t.v[0].id, 1);
  assert_int_equal(f->t.v[1].id, 5);
}

/* A key from the file gives the same MAC as the known answer of the MAC
 * tests (chrony's example key "tulip", MD5, 48-byte v4 request). */
static void test_key_makes_mac(void **state)
{
  struct fixture *f = *state;
  uint8_t pkt[48] = {0x23, 0x00, 0x06, 0xec}, out[20];

  memcpy(pkt + 40, "\xe9\x3c\x7f\x00\x80\x00\x00\x00", 8);
  assert_int_equal(parse(f, "10 tulip\n"), 0);
  assert_int_equal(ntp_mac_generate(keyfile_find(&f->t, 10), 10, pkt, sizeof(pkt), 4, out,
                                    sizeof(out)), 20);
  assert_memory_equal(out, "\x00\x00\x00\x0a\x66\xee\x34\xf3\x7a\xf6\x08\xfd\x43\x59\x8c\x11"
                      "\x49\x59\x52\x81", 20);
}

/* ---- duplicates ---- */

static void test_duplicate_first_wins(void **state)
{
  struct fixture *f = *state;

  expect_one(f, "# keys\n5 first\n6 other\n5 SHA1 second\n", CONF_WARNING,
             "keys:4: key 5 is already defined at line 2, which is used");
  assert_int_equal(f->t.n, 2);
  expect_key(f, 5, NTP_KEY_MD5, "first", 5);
  expect_key(f, 6, NTP_KEY_MD5, "other", 5);
}

static void test_many_duplicates(void **state)
{
  struct fixture *f = *state;

  assert_int_equal(parse(f, "3 c\n1 a\n3 d\n3 e\n1 b\n"), 0);
  assert_int_equal(f->d.n, 3);
  assert_int_equal(f->t.n, 2);
  expect_key(f, 1, NTP_KEY_MD5, "a", 1);
  expect_key(f, 3, NTP_KEY_MD5, "c", 1);
}

/* ---- rejection paths, one each ---- */

static void test_bad_id(void **state)
{
  struct fixture *f = *state;

  expect_error(f, "abc MD5 key\n", "keys:1: expected a key ID 1..4294967295, got 'abc'");
  expect_error(f, "12x key\n", "keys:1: expected a key ID 1..4294967295, got '12x'");
  expect_error(f, "-1 key\n", "keys:1: expected a key ID 1..4294967295, got '-1'");
  expect_error(f, "0x10 key\n", "keys:1: expected a key ID 1..4294967295, got '0x10'");
  expect_error(f, "1.5 key\n", "keys:1: expected a key ID 1..4294967295, got '1.5'");
}

static void test_id_zero(void **state)
{
  struct fixture *f = *state;

  expect_error(f, "0 MD5 key\n", "keys:1: expected a key ID 1..4294967295, got '0'");
}

static void test_id_too_large(void **state)
{
  struct fixture *f = *state;

  expect_error(f, "\n4294967296 key\n",
               "keys:2: expected a key ID 1..4294967295, got '4294967296'");
  expect_error(f, "99999999999999999999999 key\n",
               "keys:1: expected a key ID 1..4294967295, got '99999999999999999999999'");
}

static void test_unknown_type(void **state)
{
  static const char *const bad[] = {"md5", "SHA-1", "TIGER", "WHIRLPOOL", "AES192", "HMAC"};
  struct fixture *f = *state;
  char text[64], message[256];

  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    snprintf(text, sizeof(text), "1 %s HEX:00112233445566778899aabbccddeeff\n", bad[i]);
    snprintf(message, sizeof(message), "keys:1: expected a key type (MD5, SHA1, SHA256, "
             "SHA384, SHA512, SHA3-224, SHA3-256, SHA3-384, SHA3-512, AES128, AES256), "
             "got '%s'", bad[i]);
    expect_error(f, text, message);
  }
}

static void test_odd_hex(void **state)
{
  struct fixture *f = *state;

  expect_error(f, "1 SHA1 HEX:abc\n",
               "keys:1: expected an even number of hex digits after 'HEX:', got 3");
}

static void test_bad_hex_character(void **state)
{
  struct fixture *f = *state;

  expect_error(f, "1 HEX:00g1\n",
               "keys:1: expected hex digits after 'HEX:', character 3 is not one");
  expect_error(f, "1 HEX:001g\n",
               "keys:1: expected hex digits after 'HEX:', character 4 is not one");
  /* strtol would take a sign or a space; chrony accepts "HEX:+f". */
  expect_error(f, "1 HEX:+f\n",
               "keys:1: expected hex digits after 'HEX:', character 1 is not one");
  expect_error(f, "1 HEX:-1\n",
               "keys:1: expected hex digits after 'HEX:', character 1 is not one");
}

static void test_empty_key_after_prefix(void **state)
{
  struct fixture *f = *state;

  expect_error(f, "1 MD5 HEX:\n", "keys:1: expected a key after 'HEX:'");
  expect_error(f, "1 ASCII:\n", "keys:1: expected a key after 'ASCII:'");
}

static void test_aes_key_length(void **state)
{
  struct fixture *f = *state;

  expect_error(f, "1 AES128 HEX:7EA62AE64D190114D46D5A082F948E\n",
               "keys:1: expected a 128-bit key for AES128, got 120 bits");
  expect_error(f, "1 AES128 HEX:7EA62AE64D190114D46D5A082F948EC100\n",
               "keys:1: expected a 128-bit key for AES128, got 136 bits");
  expect_error(f, "1 AES256 HEX:7EA62AE64D190114D46D5A082F948EC1\n",
               "keys:1: expected a 256-bit key for AES256, got 128 bits");
  expect_error(f, "1 AES256 short\n", "keys:1: expected a 256-bit key for AES256, got 40 bits");
}

static void test_missing_key(void **state)
{
  struct fixture *f = *state;

  expect_error(f, "1\n", "keys:1: expected 'ID [TYPE] KEY', got 1 word");
  /* chrony would take the type name as an MD5 key */
  expect_error(f, "1 SHA1\n", "keys:1: expected a key after the type SHA1 (write ASCII:SHA1 "
               "for a key with that text)");
  expect_error(f, "1 MD5\n", "keys:1: expected a key after the type MD5 (write ASCII:MD5 "
               "for a key with that text)");
}

static void test_too_many_words(void **state)
{
  struct fixture *f = *state;

  expect_error(f, "1 MD5 key extra\n", "keys:1: expected 'ID [TYPE] KEY', got 4 words");
  expect_error(f, "1 MD5 key # comment\n", "keys:1: expected 'ID [TYPE] KEY', got 5 words");
}

static void test_line_too_long(void **state)
{
  struct fixture *f = *state;
  char text[2049];

  memset(text, 'k', sizeof(text));
  memcpy(text, "1 ", 2);
  text[2047] = '\n';
  text[2048] = '\0';
  expect_error(f, text, "keys:1: line too long (at most 2047 characters with the newline)");
  /* also a comment line */
  text[0] = '#';
  expect_error(f, text, "keys:1: line too long (at most 2047 characters with the newline)");
}

static void test_nul_byte(void **state)
{
  struct fixture *f = *state;
  static const char text[] = "1 MD5 ke\0y\n2 fine\n";

  keyfile_free(&f->t);
  assert_int_equal(keyfile_parse(&f->t, text, sizeof(text) - 1, "keys", &f->d), 1);
  assert_int_equal(f->d.n, 1);
  assert_string_equal(f->d.items[0].text, "keys:1: line contains a NUL byte");
  assert_int_equal(f->t.n, 1);
}

/* Every error is reported, the valid keys are kept, no message quotes a key. */
static void test_all_errors_collected(void **state)
{
  struct fixture *f = *state;
  static const char text[] =
    "1 good\n"
    "0 SECRET0\n"
    "2 AES128 HEX:5EC2E75EC2E75EC2E75EC2E75EC2E7\n"
    "3 SHA1 HEX:5EC2E7Z\n"
    "4 SHA1 HEX:5EC2E75\n"
    "5 SHA9 SECRET5\n"
    "6 SHA1 SECRET6 SECRET6\n"
    "7 also-good\n";

  assert_int_equal(parse(f, text), 6);
  assert_int_equal(f->d.n, 6);
  for (unsigned i = 0; i < f->d.n; i++) {
    char prefix[16];
    snprintf(prefix, sizeof(prefix), "keys:%u: ", i + 2);
    assert_int_equal(strncmp(f->d.items[i].text, prefix, strlen(prefix)), 0);
    assert_null(strstr(f->d.items[i].text, "SECRET"));
    assert_null(strstr(f->d.items[i].text, "5EC2E7"));
  }
  assert_int_equal(f->t.n, 2);
  expect_key(f, 1, NTP_KEY_MD5, "good", 4);
  expect_key(f, 7, NTP_KEY_MD5, "also-good", 9);
}

/* ---- keyfile_load ---- */

static void write_file(const struct fixture *f, const char *text, mode_t mode)
{
  FILE *out = fopen(f->path, "w");
  assert_non_null(out);
  fputs(text, out);
  assert_int_equal(fclose(out), 0);
  assert_int_equal(chmod(f->path, mode), 0);
}

static int load(struct fixture *f)
{
  keyfile_free(&f->t);
  conf_diag_free(&f->d);
  return keyfile_load(&f->t, f->path, &f->d);
}

static void test_load_private_file(void **state)
{
  struct fixture *f = *state;

  write_file(f, "1 SHA1 HEX:933F62BE1D604E68A81B557F18CFA200483F5B70\n2 fine\n", 0600);
  assert_int_equal(load(f), 0);
  assert_int_equal(f->d.n, 0);
  assert_int_equal(f->t.n, 2);
  /* Group-readable is fine: chrony's packages ship root:_chrony 0640. */
  write_file(f, "1 key\n", 0640);
  assert_int_equal(load(f), 0);
  assert_int_equal(f->d.n, 0);
  write_file(f, "1 key\n", 0751);
  assert_int_equal(load(f), 0);
  assert_int_equal(f->d.n, 0);
}

static void test_load_world_readable_warns(void **state)
{
  struct fixture *f = *state;
  char message[256];

  write_file(f, "1 key\n", 0644);
  assert_int_equal(load(f), 0);
  assert_int_equal(f->t.n, 1);
  snprintf(message, sizeof(message), "%s: world-readable key file (mode 0644): it should be "
           "readable only by root and the daemon's user", f->path);
  assert_int_equal(f->d.n, 1);
  assert_int_equal(f->d.items[0].severity, CONF_WARNING);
  assert_string_equal(f->d.items[0].text, message);

  write_file(f, "1 key\n", 0602);
  assert_int_equal(load(f), 0);
  snprintf(message, sizeof(message), "%s: world-writable key file (mode 0602): it should be "
           "readable only by root and the daemon's user", f->path);
  assert_int_equal(f->d.n, 1);
  assert_string_equal(f->d.items[0].text, message);
}

static void test_load_reports_file_and_line(void **state)
{
  struct fixture *f = *state;
  char message[256];

  write_file(f, "1 key\n\n3 FOO key\n", 0600);
  assert_int_equal(load(f), 1);
  snprintf(message, sizeof(message), "%s:3: expected a key type", f->path);
  assert_int_equal(strncmp(f->d.items[0].text, message, strlen(message)), 0);
  assert_int_equal(f->t.n, 1);
}

static void test_load_missing_file(void **state)
{
  struct fixture *f = *state;
  char message[256];

  unlink(f->path);
  assert_int_equal(load(f), 1);
  snprintf(message, sizeof(message), "%s: cannot open the key file: No such file or directory",
           f->path);
  assert_string_equal(f->d.items[0].text, message);
  assert_int_equal(f->t.n, 0);
}

static void test_load_directory(void **state)
{
  struct fixture *f = *state;
  char message[256];

  keyfile_free(&f->t);
  assert_int_equal(keyfile_load(&f->t, f->dir, &f->d), 1);
  snprintf(message, sizeof(message), "%s: cannot read the key file: Is a directory", f->dir);
  assert_string_equal(f->d.items[0].text, message);
  assert_int_equal(f->t.n, 0);
}

static void test_load_too_large(void **state)
{
  struct fixture *f = *state;
  char message[256];
  FILE *out = fopen(f->path, "w");

  assert_non_null(out);
  for (int i = 0; i <= KEYFILE_MAX_SIZE / 64; i++)
    fprintf(out, "# %61d\n", i);
  assert_int_equal(fclose(out), 0);
  assert_int_equal(chmod(f->path, 0600), 0);
  assert_int_equal(load(f), 1);
  snprintf(message, sizeof(message), "%s: expected a key file of at most 1048576 bytes",
           f->path);
  assert_string_equal(f->d.items[0].text, message);
  assert_int_equal(f->t.n, 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
    T(test_chrony_example),
    T(test_comments_blank_and_space),
    T(test_every_type),
    T(test_id_range_and_forms),
    T(test_hex_and_ascii_prefixes),
    T(test_longest_key),
    T(test_find),
    T(test_remove),
    T(test_key_makes_mac),
    T(test_duplicate_first_wins),
    T(test_many_duplicates),
    T(test_bad_id),
    T(test_id_zero),
    T(test_id_too_large),
    T(test_unknown_type),
    T(test_odd_hex),
    T(test_bad_hex_character),
    T(test_empty_key_after_prefix),
    T(test_aes_key_length),
    T(test_missing_key),
    T(test_too_many_words),
    T(test_line_too_long),
    T(test_nul_byte),
    T(test_all_errors_collected),
    T(test_load_private_file),
    T(test_load_world_readable_warns),
    T(test_load_reports_file_and_line),
    T(test_load_missing_file),
    T(test_load_directory),
    T(test_load_too_large),
  };
#undef T
  return cmocka_run_group_tests_name("keyfile", tests, NULL, NULL);
}
