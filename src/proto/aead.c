/* aead: AES-SIV (RFC 5297) and AES-GCM-SIV (RFC 8452) on OpenSSL 3's AES and
 * CMAC (see aead.h). */
#include "proto/aead.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define BLOCK 16
#define GCM_SIV_NONCE_LEN 12
#define CTR_CHUNK_BLOCKS 32     /* GCM-SIV key stream made this many blocks at a time */

/* The OpenSSL algorithms used, by index into the tables below. */
enum cipher { AES_128_CTR, AES_256_CTR, AES_128_ECB, AES_256_ECB, N_CIPHERS };

struct algorithm {
  uint16_t id;
  size_t key_len;
  enum cipher cmac;     /* SIV: the block cipher of CMAC, half the key */
  enum cipher ctr;      /* SIV: CTR with the other half */
};

static const struct algorithm algorithms[] = {
  {AEAD_AES_SIV_CMAC_256, 32, AES_128_ECB, AES_128_CTR},
  {AEAD_AES_SIV_CMAC_512, 64, AES_256_ECB, AES_256_CTR},
  {AEAD_AES_128_GCM_SIV, 16, N_CIPHERS, N_CIPHERS},
};

static const struct algorithm *find(uint16_t id)
{
  for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++) {
    if (algorithms[i].id == id)
      return &algorithms[i];
  }
  return NULL;
}

size_t aead_key_len(uint16_t algorithm)
{
  const struct algorithm *a = find(algorithm);
  return a ? a->key_len : 0;
}

size_t aead_nonce_min(uint16_t algorithm)
{
  if (!find(algorithm))
    return 0;
  return algorithm == AEAD_AES_128_GCM_SIV ? GCM_SIV_NONCE_LEN : 1;
}

size_t aead_nonce_max(uint16_t algorithm)
{
  if (!find(algorithm))
    return 0;
  return algorithm == AEAD_AES_128_GCM_SIV ? GCM_SIV_NONCE_LEN : SIZE_MAX;
}

/* OpenSSL 3 fetches an algorithm by name under a lock with a property
 * query each time: the ciphers are fetched once, on first use, and kept
 * for the life of the process. */
static const char *const cipher_names[N_CIPHERS] = {"AES-128-CTR", "AES-256-CTR",
                                                    "AES-128-ECB", "AES-256-ECB"};
static EVP_CIPHER *ciphers[N_CIPHERS];
static pthread_once_t fetched = PTHREAD_ONCE_INIT;

static void fetch_all(void)
{
  for (int i = 0; i < N_CIPHERS; i++)
    ciphers[i] = EVP_CIPHER_fetch(NULL, cipher_names[i], NULL);
}

/* Cipher contexts for this thread, kept between calls (allocating one per
 * call costs as much as the small encryptions NTS makes): one for whole
 * passes (aes()), one for CMAC's blocks. */
enum { CTX_PASS, CTX_CMAC };

static EVP_CIPHER_CTX *thread_cipher_ctx(int which)
{
  static _Thread_local EVP_CIPHER_CTX *ctx[2];
  if (!ctx[which])
    ctx[which] = EVP_CIPHER_CTX_new();
  return ctx[which];
}

/* An unpadded encryption context of cipher c with key (iv NULL for ECB).
 * A context that has the cipher already only takes the new key and IV:
 * setting the cipher again makes OpenSSL free and rebuild its provider
 * context and look its parameters up by name, which cost more than the
 * key schedule NTS needs per message. */
static bool cipher_init(EVP_CIPHER_CTX *ctx, enum cipher c, const uint8_t *key,
                        const uint8_t *iv)
{
  pthread_once(&fetched, fetch_all);
  if (!ctx || !ciphers[c])
    return false;
  if (EVP_CIPHER_CTX_get0_cipher(ctx) == ciphers[c])
    return EVP_EncryptInit_ex2(ctx, NULL, key, iv, NULL);
  return EVP_EncryptInit_ex2(ctx, ciphers[c], key, iv, NULL) &&
         EVP_CIPHER_CTX_set_padding(ctx, 0);
}

/* One pass of an unpadded AES mode ("AES-128-ECB", "AES-256-CTR"...) over len
 * bytes; iv is NULL for ECB. */
static bool aes(enum cipher c, const uint8_t *key, const uint8_t *iv, const uint8_t *in,
                uint8_t *out, size_t len)
{
  EVP_CIPHER_CTX *ctx;
  int n1 = 0, n2 = 0;
  bool ok;

  if (len == 0)
    return true;
  ctx = thread_cipher_ctx(CTX_PASS);
  ok = len <= INT32_MAX && cipher_init(ctx, c, key, iv) &&
       EVP_EncryptUpdate(ctx, out, &n1, in, (int)len) &&
       EVP_EncryptFinal_ex(ctx, out + n1, &n2) && (size_t)(n1 + n2) == len;
  return ok;
}

/* ---- AES-SIV (RFC 5297) ---- */

/* Multiplication by x in SIV's GF(2^128), big-endian ("dbl"). */
static void dbl(uint8_t b[BLOCK])
{
  uint8_t carry = b[0] >> 7;
  for (int i = 0; i < BLOCK - 1; i++)
    b[i] = (uint8_t)(b[i] << 1 | b[i + 1] >> 7);
  b[BLOCK - 1] = (uint8_t)(b[BLOCK - 1] << 1 ^ (0x87 & -carry));
}

static void xor_block(uint8_t *dst, const uint8_t *src, size_t n)
{
  for (size_t i = 0; i < n; i++)
    dst[i] ^= src[i];
}

/* CMAC (RFC 4493) on a block cipher context keyed once per SIV call: its
 * subkeys and the context. (OpenSSL's CMAC re-initialises its cipher for
 * each message, which cost more than the few blocks NTS authenticates.) */
struct cmac {
  EVP_CIPHER_CTX *ecb;
  uint8_t k1[BLOCK], k2[BLOCK];
};

static bool encrypt_block(EVP_CIPHER_CTX *ecb, const uint8_t in[BLOCK], uint8_t out[BLOCK])
{
  int n = 0;
  return EVP_EncryptUpdate(ecb, out, &n, in, BLOCK) && n == BLOCK;
}

static bool cmac_init(struct cmac *c, enum cipher ecb, const uint8_t *key)
{
  static const uint8_t zero[BLOCK];
  c->ecb = thread_cipher_ctx(CTX_CMAC);
  if (!cipher_init(c->ecb, ecb, key, NULL) || !encrypt_block(c->ecb, zero, c->k1))
    return false;
  dbl(c->k1);
  memcpy(c->k2, c->k1, BLOCK);
  dbl(c->k2);
  return true;
}

/* len bytes from offset pos of the string a || b. */
static void take(const uint8_t *a, size_t a_len, const uint8_t *b, size_t pos, size_t len,
                 uint8_t *out)
{
  for (size_t i = 0; i < len; i++, pos++)
    out[i] = pos < a_len ? a[pos] : b[pos - a_len];
}

/* CMAC(a || b). */
static bool cmac(const struct cmac *c, const uint8_t *a, size_t a_len, const uint8_t *b,
                 size_t b_len, uint8_t out[BLOCK])
{
  uint8_t x[BLOCK] = {0}, m[BLOCK];
  size_t total = a_len + b_len, pos = 0;
  size_t n = total == 0 ? 1 : (total + BLOCK - 1) / BLOCK;

  for (size_t i = 0; i + 1 < n; i++, pos += BLOCK) {
    if (pos + BLOCK <= a_len) {
      xor_block(x, a + pos, BLOCK);
    } else {
      take(a, a_len, b, pos, BLOCK, m);
      xor_block(x, m, BLOCK);
    }
    if (!encrypt_block(c->ecb, x, x))
      return false;
  }
  size_t rest = total - pos;
  memset(m, 0, BLOCK);
  take(a, a_len, b, pos, rest, m);
  if (rest == BLOCK) {
    xor_block(m, c->k1, BLOCK);
  } else {
    m[rest] = 0x80;
    xor_block(m, c->k2, BLOCK);
  }
  xor_block(x, m, BLOCK);
  return encrypt_block(c->ecb, x, out);
}

/* S2V over the three strings SIV authenticates: AD, nonce, plaintext. */
static bool s2v(const struct cmac *ctx, const uint8_t *ad, size_t ad_len, const uint8_t *nonce,
                size_t nonce_len, const uint8_t *pt, size_t pt_len, uint8_t v[BLOCK])
{
  static const uint8_t zero[BLOCK];
  uint8_t d[BLOCK], s[BLOCK], last[BLOCK] = {0};

  if (!cmac(ctx, zero, BLOCK, NULL, 0, d))
    return false;
  dbl(d);
  if (!cmac(ctx, ad, ad_len, NULL, 0, s))
    return false;
  xor_block(d, s, BLOCK);
  dbl(d);
  if (!cmac(ctx, nonce, nonce_len, NULL, 0, s))
    return false;
  xor_block(d, s, BLOCK);
  if (pt_len >= BLOCK) {
    /* The plaintext with D xored into its last block ("xorend"). */
    memcpy(last, pt + pt_len - BLOCK, BLOCK);
    xor_block(last, d, BLOCK);
    return cmac(ctx, pt, pt_len - BLOCK, last, BLOCK, v);
  }
  dbl(d);
  if (pt_len > 0)
    memcpy(last, pt, pt_len);
  last[pt_len] = 0x80;
  xor_block(last, d, BLOCK);
  return cmac(ctx, last, BLOCK, NULL, 0, v);
}

/* The CTR counter from the synthetic IV: bits 63 and 31 cleared. */
static void siv_counter(const uint8_t v[BLOCK], uint8_t q[BLOCK])
{
  memcpy(q, v, BLOCK);
  q[8] &= 0x7f;
  q[12] &= 0x7f;
}

static bool siv_encrypt(const struct algorithm *a, const uint8_t *key, const uint8_t *nonce,
                        size_t nonce_len, const uint8_t *ad, size_t ad_len, const uint8_t *pt,
                        size_t pt_len, uint8_t *out)
{
  struct cmac c;
  uint8_t q[BLOCK];

  if (!cmac_init(&c, a->cmac, key) || !s2v(&c, ad, ad_len, nonce, nonce_len, pt, pt_len, out))
    return false;
  siv_counter(out, q);
  return aes(a->ctr, key + a->key_len / 2, q, pt, out + BLOCK, pt_len);
}

static bool siv_decrypt(const struct algorithm *a, const uint8_t *key, const uint8_t *nonce,
                        size_t nonce_len, const uint8_t *ad, size_t ad_len, const uint8_t *ct,
                        size_t pt_len, uint8_t *pt)
{
  struct cmac c;
  uint8_t q[BLOCK], v[BLOCK];

  siv_counter(ct, q);
  return aes(a->ctr, key + a->key_len / 2, q, ct + BLOCK, pt, pt_len) &&
         cmac_init(&c, a->cmac, key) && s2v(&c, ad, ad_len, nonce, nonce_len, pt, pt_len, v) &&
         CRYPTO_memcmp(v, ct, BLOCK) == 0;
}

/* ---- AES-GCM-SIV (RFC 8452), 128-bit key ---- */

/* An element of POLYVAL's field: bit i of (lo, hi) is the coefficient of
 * x^i, read from 16 little-endian bytes. */
struct fe {
  uint64_t lo, hi;
};

static uint64_t get_le64(const uint8_t *p)
{
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

static void put_le64(uint8_t *p, uint64_t v)
{
  for (int i = 0; i < 8; i++, v >>= 8)
    p[i] = (uint8_t)v;
}

static struct fe fe_load(const uint8_t b[BLOCK])
{
  return (struct fe){get_le64(b), get_le64(b + 8)};
}

/* a * b * x^-128 modulo x^128 + x^127 + x^126 + x^121 + 1 (RFC 8452's
 * "dot"): for each bit of a, lowest first, add b if set, then divide the sum
 * by x. Constant time: masks, no branches on data. */
static struct fe dot(struct fe a, struct fe b)
{
  struct fe r = {0, 0};

  for (int i = 0; i < 128; i++) {
    uint64_t bit = (i < 64 ? a.lo >> i : a.hi >> (i - 64)) & 1;
    uint64_t lsb;

    r.lo ^= b.lo & -bit;
    r.hi ^= b.hi & -bit;
    /* Divide by x: an odd r first gets the polynomial added (its x^0 term
     * cancels), whose other terms shift down to x^127, x^126, x^125, x^120. */
    lsb = r.lo & 1;
    r.lo = r.lo >> 1 | r.hi << 63;
    r.hi = r.hi >> 1 ^ (0xE100000000000000u & -lsb);
  }
  return r;
}

/* Fold len bytes, zero-padded to whole blocks, into the POLYVAL state s. */
static void polyval_update(struct fe *s, struct fe h, const uint8_t *data, size_t len)
{
  uint8_t block[BLOCK];

  for (size_t off = 0; off < len; off += BLOCK) {
    size_t n = len - off < BLOCK ? len - off : BLOCK;
    struct fe x;

    memset(block, 0, BLOCK);
    memcpy(block, data + off, n);
    x = fe_load(block);
    s->lo ^= x.lo;
    s->hi ^= x.hi;
    *s = dot(*s, h);
  }
}

/* The per-nonce authentication and encryption keys (RFC 8452 section 4):
 * the first 8 bytes of AES(key, le32(i) || nonce) for i = 0..3. */
static bool gcm_siv_keys(const uint8_t *key, const uint8_t *nonce, uint8_t auth[BLOCK],
                         uint8_t enc[BLOCK])
{
  uint8_t in[4 * BLOCK] = {0}, out[4 * BLOCK];

  for (int i = 0; i < 4; i++) {
    in[i * BLOCK] = (uint8_t)i;
    memcpy(in + i * BLOCK + 4, nonce, GCM_SIV_NONCE_LEN);
  }
  if (!aes(AES_128_ECB, key, NULL, in, out, sizeof(in)))
    return false;
  memcpy(auth, out, 8);
  memcpy(auth + 8, out + BLOCK, 8);
  memcpy(enc, out + 2 * BLOCK, 8);
  memcpy(enc + 8, out + 3 * BLOCK, 8);
  OPENSSL_cleanse(out, sizeof(out));
  return true;
}

static bool gcm_siv_tag(const uint8_t auth[BLOCK], const uint8_t enc[BLOCK],
                        const uint8_t *nonce, const uint8_t *ad, size_t ad_len,
                        const uint8_t *pt, size_t pt_len, uint8_t tag[BLOCK])
{
  struct fe h = fe_load(auth), s = {0, 0};
  uint8_t lengths[BLOCK], block[BLOCK];

  put_le64(lengths, (uint64_t)ad_len * 8);
  put_le64(lengths + 8, (uint64_t)pt_len * 8);
  polyval_update(&s, h, ad, ad_len);
  polyval_update(&s, h, pt, pt_len);
  polyval_update(&s, h, lengths, BLOCK);
  put_le64(block, s.lo);
  put_le64(block + 8, s.hi);
  xor_block(block, nonce, GCM_SIV_NONCE_LEN);
  block[BLOCK - 1] &= 0x7f;
  return aes(AES_128_ECB, enc, NULL, block, tag, BLOCK);
}

/* AES-CTR as GCM-SIV counts: the tag with its top bit set, then a 32-bit
 * little-endian counter in the first four bytes, wrapping. */
static bool gcm_siv_ctr(const uint8_t enc[BLOCK], const uint8_t tag[BLOCK], const uint8_t *in,
                        uint8_t *out, size_t len)
{
  uint8_t ctr[BLOCK], blocks[CTR_CHUNK_BLOCKS * BLOCK], stream[CTR_CHUNK_BLOCKS * BLOCK];
  uint32_t count;

  memcpy(ctr, tag, BLOCK);
  ctr[BLOCK - 1] |= 0x80;
  count = (uint32_t)get_le64(ctr);
  for (size_t off = 0; off < len; off += sizeof(stream)) {
    size_t n = len - off < sizeof(stream) ? len - off : sizeof(stream);
    size_t nblocks = (n + BLOCK - 1) / BLOCK;

    for (size_t i = 0; i < nblocks; i++, count++) {
      memcpy(blocks + i * BLOCK, ctr, BLOCK);
      for (int j = 0; j < 4; j++)
        blocks[i * BLOCK + j] = (uint8_t)(count >> 8 * j);
    }
    if (!aes(AES_128_ECB, enc, NULL, blocks, stream, nblocks * BLOCK))
      return false;
    for (size_t i = 0; i < n; i++)
      out[off + i] = in[off + i] ^ stream[i];
  }
  return true;
}

static bool gcm_siv_encrypt(const uint8_t *key, const uint8_t *nonce, const uint8_t *ad,
                            size_t ad_len, const uint8_t *pt, size_t pt_len, uint8_t *out)
{
  uint8_t auth[BLOCK], enc[BLOCK];
  bool ok = gcm_siv_keys(key, nonce, auth, enc) &&
            gcm_siv_tag(auth, enc, nonce, ad, ad_len, pt, pt_len, out + pt_len) &&
            gcm_siv_ctr(enc, out + pt_len, pt, out, pt_len);

  OPENSSL_cleanse(auth, sizeof(auth));
  OPENSSL_cleanse(enc, sizeof(enc));
  return ok;
}

static bool gcm_siv_decrypt(const uint8_t *key, const uint8_t *nonce, const uint8_t *ad,
                            size_t ad_len, const uint8_t *ct, size_t pt_len, uint8_t *pt)
{
  uint8_t auth[BLOCK], enc[BLOCK], tag[BLOCK];
  const uint8_t *received = ct + pt_len;
  bool ok = gcm_siv_keys(key, nonce, auth, enc) && gcm_siv_ctr(enc, received, ct, pt, pt_len) &&
            gcm_siv_tag(auth, enc, nonce, ad, ad_len, pt, pt_len, tag) &&
            CRYPTO_memcmp(tag, received, BLOCK) == 0;

  OPENSSL_cleanse(auth, sizeof(auth));
  OPENSSL_cleanse(enc, sizeof(enc));
  return ok;
}

/* ---- the interface ---- */

static const struct algorithm *check(const struct aead_key *key, size_t nonce_len)
{
  const struct algorithm *a = find(key->algorithm);

  if (!a || key->len != a->key_len || nonce_len < aead_nonce_min(a->id) ||
      nonce_len > aead_nonce_max(a->id))
    return NULL;
  return a;
}

bool aead_encrypt(const struct aead_key *key, const uint8_t *nonce, size_t nonce_len,
                  const uint8_t *ad, size_t ad_len, const uint8_t *pt, size_t pt_len,
                  uint8_t *out, size_t out_cap)
{
  const struct algorithm *a = check(key, nonce_len);

  if (!a || out_cap < AEAD_TAG_LEN || pt_len > out_cap - AEAD_TAG_LEN)
    return false;
  if (a->id == AEAD_AES_128_GCM_SIV)
    return gcm_siv_encrypt(key->data, nonce, ad, ad_len, pt, pt_len, out);
  return siv_encrypt(a, key->data, nonce, nonce_len, ad, ad_len, pt, pt_len, out);
}

bool aead_decrypt(const struct aead_key *key, const uint8_t *nonce, size_t nonce_len,
                  const uint8_t *ad, size_t ad_len, const uint8_t *ct, size_t ct_len,
                  uint8_t *pt, size_t pt_cap)
{
  const struct algorithm *a = check(key, nonce_len);
  size_t pt_len = ct_len - AEAD_TAG_LEN;
  bool ok;

  if (!a || ct_len < AEAD_TAG_LEN || pt_len > pt_cap)
    return false;
  if (a->id == AEAD_AES_128_GCM_SIV)
    ok = gcm_siv_decrypt(key->data, nonce, ad, ad_len, ct, pt_len, pt);
  else
    ok = siv_decrypt(a, key->data, nonce, nonce_len, ad, ad_len, ct, pt_len, pt);
  if (!ok)
    OPENSSL_cleanse(pt, pt_len);
  return ok;
}
