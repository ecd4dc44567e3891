/* Tests of aes: FIPS-197 appendix C's known answers (C.1 AES-128, C.3
 * AES-256), many blocks at once against one at a time, in place, keys
 * reused, rejected lengths; on AES-NI (when the CPU has it) and on
 * OpenSSL, and the two against each other over random keys and blocks. */
#include "hex.h"

#include <stdlib.h>

#include <openssl/evp.h>

#include "proto/aes.h"

#define FIPS_PT "00112233445566778899aabbccddeeff"
#define FIPS_KEY256 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static const struct {
  const char *key, *ct;
} fips[] = {
  {"000102030405060708090a0b0c0d0e0f", "69c4e0d86a7b0430d8cdb78070b4c55a"},
  {FIPS_KEY256, "8ea2b7ca516745bfeafc49904b496089"},
};

static int on_openssl(void **state)
{
  (void)state;
  aes_use_hw(false);
  return 0;
}

static int back_to_hw(void **state)
{
  (void)state;
  aes_use_hw(true);
  return 0;
}

static void test_known_answers(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof(fips) / sizeof(fips[0]); i++) {
    struct aes_key k = {0};
    uint8_t key[32], pt[AES_BLOCK], ct[AES_BLOCK], out[AES_BLOCK];
    size_t key_len = unhex(fips[i].key, key, sizeof(key));

    unhex(FIPS_PT, pt, sizeof(pt));
    unhex(fips[i].ct, ct, sizeof(ct));
    assert_true(aes_set_key(&k, key, key_len));
    assert_true(aes_encrypt(&k, pt, out, AES_BLOCK));
    assert_memory_equal(out, ct, AES_BLOCK);
    /* in place */
    assert_true(aes_encrypt(&k, pt, pt, AES_BLOCK));
    assert_memory_equal(pt, ct, AES_BLOCK);
    aes_forget(&k);
  }
}

/* 1 to 9 blocks at once (the four-block path and the rest) give what the
 * blocks give one by one; a schedule takes another key of the other size. */
static void test_many_blocks(void **state)
{
  struct aes_key k = {0};
  uint8_t key[32], data[9 * AES_BLOCK], all[sizeof(data)], one[sizeof(data)];

  (void)state;
  for (size_t i = 0; i < sizeof(data); i++)
    data[i] = (uint8_t)(i * 7 + 3);
  for (size_t key_len = 16; key_len <= 32; key_len += 16) {
    for (size_t i = 0; i < key_len; i++)
      key[i] = (uint8_t)(key_len + i);
    assert_true(aes_set_key(&k, key, key_len));
    for (size_t n = 1; n <= 9; n++) {
      assert_true(aes_encrypt(&k, data, all, n * AES_BLOCK));
      for (size_t b = 0; b < n; b++)
        assert_true(aes_encrypt(&k, data + b * AES_BLOCK, one + b * AES_BLOCK, AES_BLOCK));
      assert_memory_equal(all, one, n * AES_BLOCK);
      memcpy(one, data, n * AES_BLOCK);
      assert_true(aes_encrypt(&k, one, one, n * AES_BLOCK));
      assert_memory_equal(all, one, n * AES_BLOCK);
    }
  }
  aes_forget(&k);
}

static void test_rejected(void **state)
{
  struct aes_key k = {0};
  uint8_t key[64] = {0}, block[2 * AES_BLOCK] = {0};

  (void)state;
  assert_false(aes_encrypt(&k, block, block, AES_BLOCK));  /* no key yet */
  assert_false(aes_set_key(&k, key, 0));
  assert_false(aes_set_key(&k, key, 15));
  assert_false(aes_set_key(&k, key, 24));
  assert_false(aes_set_key(&k, key, 64));
  assert_true(aes_set_key(&k, key, 16));
  assert_false(aes_encrypt(&k, block, block, AES_BLOCK + 1));
  assert_false(aes_encrypt(&k, block, block, 1));
  assert_true(aes_encrypt(&k, block, block, 0));
  assert_false(aes_set_key(&k, key, 17));  /* and the old key is gone */
  assert_false(aes_encrypt(&k, block, block, AES_BLOCK));
  aes_forget(&k);
}

/* Our AES (AES-NI when the CPU has it) against OpenSSL's own AES-ECB over
 * random keys and blocks. */
static void test_against_openssl(void **state)
{
  (void)state;
  srand(20261207);
  for (int round = 0; round < 2000; round++) {
    size_t key_len = round % 2 ? 32 : 16, len = (size_t)(rand() % 12 + 1) * AES_BLOCK;
    uint8_t key[32], in[12 * AES_BLOCK], ours[sizeof(in)], theirs[sizeof(in)];
    struct aes_key k = {0};
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0;

    for (size_t i = 0; i < key_len; i++)
      key[i] = (uint8_t)rand();
    for (size_t i = 0; i < len; i++)
      in[i] = (uint8_t)rand();
    assert_true(aes_set_key(&k, key, key_len));
    assert_true(aes_encrypt(&k, in, ours, len));
    assert_non_null(ctx);
    assert_true(EVP_EncryptInit_ex2(ctx, key_len == 16 ? EVP_aes_128_ecb() : EVP_aes_256_ecb(),
                                    key, NULL, NULL));
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    assert_true(EVP_EncryptUpdate(ctx, theirs, &n, in, (int)len));
    assert_int_equal(n, (int)len);
    assert_memory_equal(ours, theirs, len);
    EVP_CIPHER_CTX_free(ctx);
    aes_forget(&k);
  }
}

#define BOTH(f) \
  cmocka_unit_test(f), {#f " (OpenSSL)", f, on_openssl, back_to_hw, NULL}

int main(void)
{
  const struct CMUnitTest tests[] = {
    BOTH(test_known_answers),
    BOTH(test_many_blocks),
    BOTH(test_rejected),
    cmocka_unit_test(test_against_openssl),
  };
  if (!aes_hw())
    print_message("no AES-NI here: both runs are OpenSSL's\n");
  return cmocka_run_group_tests_name("aes", tests, NULL, NULL);
}
