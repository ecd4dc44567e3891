/* Tests of md5: RFC 1321 appendix A.5's test suite, and against OpenSSL's
 * MD5 (through the module's table) for every length from 0 to 300 bytes
 * (each padding case), fed whole and in pieces. */
#include "hex.h"

#include "proto/md5.h"
#include "proto/ossl.h"

static const struct {
  const char *text, *digest;
} rfc1321[] = {
  {"", "d41d8cd98f00b204e9800998ecf8427e"},
  {"a", "0cc175b9c0f1b6a831c399e269772661"},
  {"abc", "900150983cd24fb0d6963f7d28e17f72"},
  {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
  {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
  {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
   "d174ab98d277d9f5a5611c2c9f419d9f"},
  {"1234567890123456789012345678901234567890123456789012345678901234567890123456789"
   "0", "57edf4a22be3c955ac49da2e2107b67a"},
};

static void test_rfc1321(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof(rfc1321) / sizeof(rfc1321[0]); i++) {
    uint8_t want[MD5_LEN], got[MD5_LEN];
    struct md5 m;
    unhex(rfc1321[i].digest, want, sizeof(want));
    md5_init(&m);
    md5_update(&m, (const uint8_t *)rfc1321[i].text, strlen(rfc1321[i].text));
    md5_final(&m, got);
    assert_memory_equal(got, want, MD5_LEN);
  }
}

static void test_against_openssl(void **state)
{
  uint8_t data[300], want[MD5_LEN], got[MD5_LEN];
  (void)state;
  for (size_t i = 0; i < sizeof(data); i++)
    data[i] = (uint8_t)(i * 131 + 7);
  for (size_t len = 0; len <= sizeof(data); len++) {
    struct md5 m;
    size_t cut = len / 3;
    assert_int_equal(ossl_get()->digest("MD5", data, cut, data + cut, len - cut, want,
                                    sizeof(want)), MD5_LEN);
    md5_init(&m);
    md5_update(&m, data, cut);
    md5_update(&m, data + cut, len - cut);
    md5_final(&m, got);
    assert_memory_equal(got, want, MD5_LEN);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rfc1321),
    cmocka_unit_test(test_against_openssl),
  };
  return cmocka_run_group_tests_name("md5", tests, NULL, NULL);
}
