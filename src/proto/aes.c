/* aes: AES encryption on AES-NI or OpenSSL (see aes.h). */
#include "proto/aes.h"

#include <string.h>

#include "proto/ossl.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_AESNI 1
#include <wmmintrin.h>
#else
#define HAVE_AESNI 0
#endif

static bool hw_off;             /* aes_use_hw(false) */

bool aes_hw(void)
{
#if HAVE_AESNI
  __builtin_cpu_init();
  return !hw_off && __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse2");
#else
  return false;
#endif
}

void aes_use_hw(bool on)
{
  hw_off = !on;
}

/* ---- AES-NI (Intel's "Advanced Encryption Standard (AES) New
 * Instructions Set" white paper, section 5: key expansion) ---- */

#if HAVE_AESNI
#define AESNI __attribute__((target("aes,sse2")))

/* A round key word-wise: w0, w0^w1, w0^w1^w2, w0^w1^w2^w3 of the previous
 * one, xored with the word aeskeygenassist made (broadcast to all four). */
AESNI static __m128i next_key(__m128i prev, __m128i assist)
{
  prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
  prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
  prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
  return _mm_xor_si128(prev, assist);
}

/* aeskeygenassist takes its round constant as an immediate: one macro per
 * step. Shuffle 0xff broadcasts RotWord(SubWord(w3)) ^ rcon; 0xaa,
 * SubWord(w3) (AES-256's odd round keys). */
#define STEP128(rk, i, rcon) \
  rk[i] = next_key(rk[i - 1], _mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[i - 1], rcon), 0xff))
#define STEP256(rk, i, rcon) \
  rk[i] = next_key(rk[i - 2], _mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[i - 1], rcon), 0xff))
#define STEP256_ODD(rk, i) \
  rk[i] = next_key(rk[i - 2], _mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[i - 1], 0), 0xaa))

AESNI static void expand128(__m128i rk[11], const uint8_t *key)
{
  rk[0] = _mm_loadu_si128((const __m128i *)key);
  STEP128(rk, 1, 0x01);
  STEP128(rk, 2, 0x02);
  STEP128(rk, 3, 0x04);
  STEP128(rk, 4, 0x08);
  STEP128(rk, 5, 0x10);
  STEP128(rk, 6, 0x20);
  STEP128(rk, 7, 0x40);
  STEP128(rk, 8, 0x80);
  STEP128(rk, 9, 0x1b);
  STEP128(rk, 10, 0x36);
}

AESNI static void expand256(__m128i rk[15], const uint8_t *key)
{
  rk[0] = _mm_loadu_si128((const __m128i *)key);
  rk[1] = _mm_loadu_si128((const __m128i *)(key + AES_BLOCK));
  STEP256(rk, 2, 0x01);
  STEP256_ODD(rk, 3);
  STEP256(rk, 4, 0x02);
  STEP256_ODD(rk, 5);
  STEP256(rk, 6, 0x04);
  STEP256_ODD(rk, 7);
  STEP256(rk, 8, 0x08);
  STEP256_ODD(rk, 9);
  STEP256(rk, 10, 0x10);
  STEP256_ODD(rk, 11);
  STEP256(rk, 12, 0x20);
  STEP256_ODD(rk, 13);
  STEP256(rk, 14, 0x40);
}

AESNI static __m128i encrypt_block(const __m128i *rk, unsigned rounds, __m128i x)
{
  x = _mm_xor_si128(x, rk[0]);
  for (unsigned r = 1; r < rounds; r++)
    x = _mm_aesenc_si128(x, rk[r]);
  return _mm_aesenclast_si128(x, rk[rounds]);
}

/* Four blocks at a time where there are four: their rounds interleaved,
 * so that each instruction's latency overlaps the others'. */
AESNI static void encrypt_hw(const struct aes_key *k, const uint8_t *in, uint8_t *out,
                             size_t len)
{
  const __m128i *rk = (const __m128i *)k->rk;
  size_t off = 0;

  for (; off + 4 * AES_BLOCK <= len; off += 4 * AES_BLOCK) {
    __m128i x[4];
    for (int j = 0; j < 4; j++)
      x[j] = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(in + off + j * AES_BLOCK)), rk[0]);
    for (unsigned r = 1; r < k->rounds; r++) {
      for (int j = 0; j < 4; j++)
        x[j] = _mm_aesenc_si128(x[j], rk[r]);
    }
    for (int j = 0; j < 4; j++)
      _mm_storeu_si128((__m128i *)(out + off + j * AES_BLOCK),
                       _mm_aesenclast_si128(x[j], rk[k->rounds]));
  }
  for (; off < len; off += AES_BLOCK)
    _mm_storeu_si128((__m128i *)(out + off),
                     encrypt_block(rk, k->rounds, _mm_loadu_si128((const __m128i *)(in + off))));
}

/* CBC-MAC's chain in registers: one call for all the blocks. */
AESNI static void cbc_mac_hw(const struct aes_key *k, uint8_t x[AES_BLOCK], const uint8_t *in,
                             size_t len)
{
  const __m128i *rk = (const __m128i *)k->rk;
  __m128i v = _mm_loadu_si128((const __m128i *)x);
  for (size_t off = 0; off < len; off += AES_BLOCK)
    v = encrypt_block(rk, k->rounds, _mm_xor_si128(v, _mm_loadu_si128((const __m128i *)(in + off))));
  _mm_storeu_si128((__m128i *)x, v);
}
#endif

/* ---- the interface ---- */

bool aes_set_key(struct aes_key *k, const uint8_t *key, size_t key_len)
{
  k->rounds = 0;
  if (key_len != 16 && key_len != 32)
    return false;
  k->hw = aes_hw();
#if HAVE_AESNI
  if (k->hw) {
    if (key_len == 16)
      expand128((__m128i *)k->rk, key);
    else
      expand256((__m128i *)k->rk, key);
    k->rounds = key_len == 16 ? 10 : 14;
    return true;
  }
#endif
  const struct ossl_ops *o = ossl_get();
  if (!o || !o->ecb_set_key(&k->evp, key, key_len))
    return false;
  k->rounds = key_len == 16 ? 10 : 14;
  return true;
}

bool aes_encrypt(const struct aes_key *k, const uint8_t *in, uint8_t *out, size_t len)
{
  if (k->rounds == 0 || len % AES_BLOCK != 0)
    return false;
#if HAVE_AESNI
  if (k->hw) {
    encrypt_hw(k, in, out, len);
    return true;
  }
#endif
  return ossl_get()->ecb_encrypt(k->evp, in, out, len);
}

bool aes_cbc_mac(const struct aes_key *k, uint8_t x[AES_BLOCK], const uint8_t *in, size_t len)
{
  if (k->rounds == 0 || len % AES_BLOCK != 0)
    return false;
#if HAVE_AESNI
  if (k->hw) {
    cbc_mac_hw(k, x, in, len);
    return true;
  }
#endif
  for (size_t off = 0; off < len; off += AES_BLOCK) {
    for (int i = 0; i < AES_BLOCK; i++)
      x[i] ^= in[off + i];
    if (!aes_encrypt(k, x, x, AES_BLOCK))
      return false;
  }
  return true;
}

void aes_forget(struct aes_key *k)
{
  if (k->evp)
    ossl_get()->ecb_free(k->evp);
  explicit_bzero(k, sizeof(*k));
}
