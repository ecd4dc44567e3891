/* Fuzz target, differential: proto/aes.c's AES (AES-NI when the CPU has
 * it) against OpenSSL's AES-ECB. Input: one byte whose low bit picks
 * AES-128 or AES-256, the key (16 or 32 bytes), then the data, cut to
 * whole blocks. Both must give the same bytes, and so must our AES in
 * place. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "proto/aes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DATA 4096

static void check(int ok)
{
  if (!ok)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static uint8_t ours[MAX_DATA], in_place[MAX_DATA], theirs[MAX_DATA];
  struct aes_key k = {0};

  if (size < 1)
    return 0;
  size_t key_len = data[0] & 1 ? 32 : 16;
  if (size < 1 + key_len)
    return 0;
  const uint8_t *key = data + 1, *in = data + 1 + key_len;
  size_t len = size - 1 - key_len;
  if (len > MAX_DATA)
    len = MAX_DATA;
  len -= len % AES_BLOCK;

  check(aes_set_key(&k, key, key_len));
  check(aes_encrypt(&k, in, ours, len));
  memcpy(in_place, in, len);
  check(aes_encrypt(&k, in_place, in_place, len));
  aes_forget(&k);

  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  int n = 0;
  check(ctx && EVP_EncryptInit_ex2(ctx, key_len == 16 ? EVP_aes_128_ecb() : EVP_aes_256_ecb(),
                                   key, NULL, NULL));
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  check(EVP_EncryptUpdate(ctx, theirs, &n, in, (int)len) && n == (int)len);
  EVP_CIPHER_CTX_free(ctx);
  check(memcmp(ours, theirs, len) == 0 && memcmp(in_place, theirs, len) == 0);
  return 0;
}
