/* aead: AES-SIV (RFC 5297) and AES-GCM-SIV (RFC 8452) on proto/aes.c's
 * block cipher (see aead.h). */
#include "proto/aead.h"

#include <stdint.h>
#include <string.h>

#include "proto/aes.h"
#include "proto/wire.h"

#define BLOCK AES_BLOCK
#define GCM_SIV_NONCE_LEN 12
#define CTR_CHUNK_BLOCKS 32     /* CTR key stream made this many blocks at a time */
#define CACHE_SLOTS 4           /* keys whose AES schedules a thread keeps */

/* Every mode (CMAC, both CTRs) is built here on single AES blocks. SIV
 * splits its key in two AES keys (CMAC's, CTR's). */
struct algorithm {
  uint16_t id;
  size_t key_len;
};

static const struct algorithm algorithms[] = {
  {AEAD_AES_SIV_CMAC_256, 32},
  {AEAD_AES_SIV_CMAC_512, 64},
  {AEAD_AES_128_GCM_SIV, 16},
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

/* The AES schedules of one key, with what follows from the key alone:
 * SIV's CMAC half in aes[0] with CMAC's subkeys and S2V's first value, its
 * CTR half in aes[1]; GCM-SIV's key-generating key in aes[0]. */
struct keyed {
  struct aead_key key;          /* len 0: the slot holds nothing */
  struct aes_key aes[2];
  uint8_t k1[BLOCK], k2[BLOCK], d0[BLOCK];
  uint64_t last_use;
};

/* Per thread: the schedules of the last CACHE_SLOTS keys used (a server's
 * cookie key opens and makes a cookie for every request, between the two
 * session keys each request brings), and a context for GCM-SIV's
 * per-nonce key. */
static _Thread_local struct {
  struct keyed slots[CACHE_SLOTS];
  struct aes_key scratch;
  uint64_t uses;
} cache;

/* out = a xor b, n bytes, eight at a time (a byte loop took a tenth of an
 * NTS reply's instructions). */
static void xor_bytes(uint8_t *out, const uint8_t *a, const uint8_t *b, size_t n)
{
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x, y;
    memcpy(&x, a + i, 8);
    memcpy(&y, b + i, 8);
    x ^= y;
    memcpy(out + i, &x, 8);
  }
  for (; i < n; i++)
    out[i] = a[i] ^ b[i];
}

/* Counter mode: out = in xor AES(counter blocks), the counter starting at
 * ctr and moved on by next() after each block. */
static bool ctr_xor(const struct aes_key *ctx, uint8_t ctr[BLOCK], void (*next)(uint8_t *),
                    const uint8_t *in, uint8_t *out, size_t len)
{
  uint8_t stream[CTR_CHUNK_BLOCKS * BLOCK];
  bool ok = true;

  size_t used = 0;

  for (size_t off = 0; off < len && ok; off += sizeof(stream)) {
    size_t n = len - off < sizeof(stream) ? len - off : sizeof(stream);
    size_t nblocks = (n + BLOCK - 1) / BLOCK;

    for (size_t i = 0; i < nblocks; i++, next(ctr))
      memcpy(stream + i * BLOCK, ctr, BLOCK);
    used = used > nblocks * BLOCK ? used : nblocks * BLOCK;
    ok = aes_encrypt(ctx, stream, stream, nblocks * BLOCK);
    if (ok)
      xor_bytes(out + off, in + off, stream, n);
  }
  if (used > 0)
    explicit_bzero(stream, used);
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
  xor_bytes(dst, dst, src, n);
}

/* len bytes from offset pos of the string a || b. */
static void take(const uint8_t *a, size_t a_len, const uint8_t *b, size_t pos, size_t len,
                 uint8_t *out)
{
  for (size_t i = 0; i < len; i++, pos++)
    out[i] = pos < a_len ? a[pos] : b[pos - a_len];
}

/* CMAC (RFC 4493) of a || b on the key's CMAC half and subkeys. (OpenSSL's
 * CMAC re-initialises its cipher for each message, which cost more than
 * the few blocks NTS authenticates.) */
static bool cmac(const struct keyed *k, const uint8_t *a, size_t a_len, const uint8_t *b,
                 size_t b_len, uint8_t out[BLOCK])
{
  uint8_t x[BLOCK] = {0}, m[BLOCK];
  size_t total = a_len + b_len, pos = 0;
  size_t n = total == 0 ? 1 : (total + BLOCK - 1) / BLOCK;

  /* All blocks but the last: the whole ones of a, then the one across a
   * and b, then the whole ones of b, each run in one chain. */
  while (pos < (n - 1) * BLOCK) {
    size_t left = (n - 1) * BLOCK - pos, run;
    bool ok;
    if (pos + BLOCK <= a_len) {
      run = (a_len - pos) / BLOCK * BLOCK;
      run = run < left ? run : left;
      ok = aes_cbc_mac(&k->aes[0], x, a + pos, run);
    } else if (pos >= a_len) {
      run = left;
      ok = aes_cbc_mac(&k->aes[0], x, b + (pos - a_len), run);
    } else {
      run = BLOCK;
      take(a, a_len, b, pos, BLOCK, m);
      ok = aes_cbc_mac(&k->aes[0], x, m, BLOCK);
    }
    if (!ok)
      return false;
    pos += run;
  }
  size_t rest = total - pos;
  memset(m, 0, BLOCK);
  take(a, a_len, b, pos, rest, m);
  if (rest == BLOCK) {
    xor_block(m, k->k1, BLOCK);
  } else {
    m[rest] = 0x80;
    xor_block(m, k->k2, BLOCK);
  }
  xor_block(x, m, BLOCK);
  return aes_encrypt(&k->aes[0], x, out, BLOCK);
}

/* The schedules of a SIV key, CMAC's subkeys and S2V's first value,
 * dbl(CMAC(zero)). */
static bool siv_key(struct keyed *k, const struct algorithm *a, const uint8_t *key)
{
  static const uint8_t zero[BLOCK];

  size_t half = a->key_len / 2;

  if (!aes_set_key(&k->aes[0], key, half) || !aes_set_key(&k->aes[1], key + half, half) ||
      !aes_encrypt(&k->aes[0], zero, k->k1, BLOCK))
    return false;
  dbl(k->k1);
  memcpy(k->k2, k->k1, BLOCK);
  dbl(k->k2);
  if (!cmac(k, zero, BLOCK, NULL, 0, k->d0))
    return false;
  dbl(k->d0);
  return true;
}

/* S2V over the three strings SIV authenticates: AD, nonce, plaintext. */
static bool s2v(const struct keyed *k, const uint8_t *ad, size_t ad_len, const uint8_t *nonce,
                size_t nonce_len, const uint8_t *pt, size_t pt_len, uint8_t v[BLOCK])
{
  uint8_t d[BLOCK], s[BLOCK], last[BLOCK] = {0};

  memcpy(d, k->d0, BLOCK);
  if (!cmac(k, ad, ad_len, NULL, 0, s))
    return false;
  xor_block(d, s, BLOCK);
  dbl(d);
  if (!cmac(k, nonce, nonce_len, NULL, 0, s))
    return false;
  xor_block(d, s, BLOCK);
  if (pt_len >= BLOCK) {
    /* The plaintext with D xored into its last block ("xorend"). */
    memcpy(last, pt + pt_len - BLOCK, BLOCK);
    xor_block(last, d, BLOCK);
    return cmac(k, pt, pt_len - BLOCK, last, BLOCK, v);
  }
  dbl(d);
  if (pt_len > 0)
    memcpy(last, pt, pt_len);
  last[pt_len] = 0x80;
  xor_block(last, d, BLOCK);
  return cmac(k, last, BLOCK, NULL, 0, v);
}

/* SIV's counter: a 128-bit big-endian number. */
static void siv_next(uint8_t q[BLOCK])
{
  for (int i = BLOCK - 1; i >= 0 && ++q[i] == 0; i--)
    ;
}

/* CTR with the counter from the synthetic IV: bits 63 and 31 cleared. */
static bool siv_ctr(const struct keyed *k, const uint8_t v[BLOCK], const uint8_t *in,
                    uint8_t *out, size_t len)
{
  uint8_t q[BLOCK];

  memcpy(q, v, BLOCK);
  q[8] &= 0x7f;
  q[12] &= 0x7f;
  return ctr_xor(&k->aes[1], q, siv_next, in, out, len);
}

static bool siv_encrypt(const struct keyed *k, const uint8_t *nonce, size_t nonce_len,
                        const uint8_t *ad, size_t ad_len, const uint8_t *pt, size_t pt_len,
                        uint8_t *out)
{
  return s2v(k, ad, ad_len, nonce, nonce_len, pt, pt_len, out) &&
         siv_ctr(k, out, pt, out + BLOCK, pt_len);
}

static bool siv_decrypt(const struct keyed *k, const uint8_t *nonce, size_t nonce_len,
                        const uint8_t *ad, size_t ad_len, const uint8_t *ct, size_t pt_len,
                        uint8_t *pt)
{
  uint8_t v[BLOCK];

  return siv_ctr(k, ct, ct + BLOCK, pt, pt_len) &&
         s2v(k, ad, ad_len, nonce, nonce_len, pt, pt_len, v) && wire_equal_ct(v, ct, BLOCK);
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

/* The per-nonce authentication key and the encryption key's schedule in
 * the thread's scratch context (RFC 8452 section 4): the first 8 bytes of
 * AES(key, le32(i) || nonce) for i = 0..3. */
static bool gcm_siv_keys(const struct keyed *k, const uint8_t *nonce, uint8_t auth[BLOCK])
{
  uint8_t in[4 * BLOCK] = {0}, out[4 * BLOCK], enc[BLOCK];
  bool ok;

  for (int i = 0; i < 4; i++) {
    in[i * BLOCK] = (uint8_t)i;
    memcpy(in + i * BLOCK + 4, nonce, GCM_SIV_NONCE_LEN);
  }
  ok = aes_encrypt(&k->aes[0], in, out, sizeof(in));
  memcpy(auth, out, 8);
  memcpy(auth + 8, out + BLOCK, 8);
  memcpy(enc, out + 2 * BLOCK, 8);
  memcpy(enc + 8, out + 3 * BLOCK, 8);
  ok = ok && aes_set_key(&cache.scratch, enc, sizeof(enc));
  explicit_bzero(out, sizeof(out));
  explicit_bzero(enc, sizeof(enc));
  return ok;
}

static bool gcm_siv_tag(const uint8_t auth[BLOCK], const uint8_t *nonce, const uint8_t *ad,
                        size_t ad_len, const uint8_t *pt, size_t pt_len, uint8_t tag[BLOCK])
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
  return aes_encrypt(&cache.scratch, block, tag, BLOCK);
}

/* GCM-SIV's counter: 32 bits little-endian in the first four bytes,
 * wrapping. */
static void gcm_siv_next(uint8_t ctr[BLOCK])
{
  for (int i = 0; i < 4 && ++ctr[i] == 0; i++)
    ;
}

/* CTR from the tag with its top bit set. */
static bool gcm_siv_ctr(const uint8_t tag[BLOCK], const uint8_t *in, uint8_t *out, size_t len)
{
  uint8_t ctr[BLOCK];

  memcpy(ctr, tag, BLOCK);
  ctr[BLOCK - 1] |= 0x80;
  return ctr_xor(&cache.scratch, ctr, gcm_siv_next, in, out, len);
}

static bool gcm_siv_encrypt(const struct keyed *k, const uint8_t *nonce, const uint8_t *ad,
                            size_t ad_len, const uint8_t *pt, size_t pt_len, uint8_t *out)
{
  uint8_t auth[BLOCK];
  bool ok = gcm_siv_keys(k, nonce, auth) &&
            gcm_siv_tag(auth, nonce, ad, ad_len, pt, pt_len, out + pt_len) &&
            gcm_siv_ctr(out + pt_len, pt, out, pt_len);

  explicit_bzero(auth, sizeof(auth));
  return ok;
}

static bool gcm_siv_decrypt(const struct keyed *k, const uint8_t *nonce, const uint8_t *ad,
                            size_t ad_len, const uint8_t *ct, size_t pt_len, uint8_t *pt)
{
  uint8_t auth[BLOCK], tag[BLOCK];
  const uint8_t *received = ct + pt_len;
  bool ok = gcm_siv_keys(k, nonce, auth) && gcm_siv_ctr(received, ct, pt, pt_len) &&
            gcm_siv_tag(auth, nonce, ad, ad_len, pt, pt_len, tag) &&
            wire_equal_ct(tag, received, BLOCK);

  explicit_bzero(auth, sizeof(auth));
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

/* Whether two keys of len bytes are the same, in a time that does not
 * depend on where they differ (wire_equal_ct goes byte by byte); the key
 * lengths above are multiples of 8. */
static bool same_key(const uint8_t *a, const uint8_t *b, size_t len)
{
  uint64_t diff = 0;

  for (size_t i = 0; i + 8 <= len; i += 8) {
    uint64_t x, y;
    memcpy(&x, a + i, 8);
    memcpy(&y, b + i, 8);
    diff |= x ^ y;
  }
  return diff == 0;
}

/* The thread's schedules of key: those kept if it is one of the last keys
 * used, else made in the slot used longest ago. */
static const struct keyed *keyed(const struct algorithm *a, const struct aead_key *key)
{
  struct keyed *k = NULL, *oldest = &cache.slots[0];

  for (int i = 0; i < CACHE_SLOTS && !k; i++) {
    struct keyed *s = &cache.slots[i];
    if (s->key.len == key->len && s->key.algorithm == key->algorithm &&
        same_key(s->key.data, key->data, key->len))
      k = s;
    else if (s->last_use < oldest->last_use)
      oldest = s;
  }
  if (!k) {
    k = oldest;
    k->key.len = 0;
    if (!(a->id == AEAD_AES_128_GCM_SIV ? aes_set_key(&k->aes[0], key->data, key->len)
                                        : siv_key(k, a, key->data)))
      return NULL;
    k->key = *key;
  }
  k->last_use = ++cache.uses;
  return k;
}

bool aead_encrypt(const struct aead_key *key, const uint8_t *nonce, size_t nonce_len,
                  const uint8_t *ad, size_t ad_len, const uint8_t *pt, size_t pt_len,
                  uint8_t *out, size_t out_cap)
{
  const struct algorithm *a = check(key, nonce_len);
  const struct keyed *k;

  if (!a || out_cap < AEAD_TAG_LEN || pt_len > out_cap - AEAD_TAG_LEN || !(k = keyed(a, key)))
    return false;
  if (a->id == AEAD_AES_128_GCM_SIV)
    return gcm_siv_encrypt(k, nonce, ad, ad_len, pt, pt_len, out);
  return siv_encrypt(k, nonce, nonce_len, ad, ad_len, pt, pt_len, out);
}

bool aead_decrypt(const struct aead_key *key, const uint8_t *nonce, size_t nonce_len,
                  const uint8_t *ad, size_t ad_len, const uint8_t *ct, size_t ct_len,
                  uint8_t *pt, size_t pt_cap)
{
  const struct algorithm *a = check(key, nonce_len);
  size_t pt_len = ct_len - AEAD_TAG_LEN;
  const struct keyed *k;
  bool ok;

  if (!a || ct_len < AEAD_TAG_LEN || pt_len > pt_cap || !(k = keyed(a, key)))
    return false;
  if (a->id == AEAD_AES_128_GCM_SIV)
    ok = gcm_siv_decrypt(k, nonce, ad, ad_len, ct, pt_len, pt);
  else
    ok = siv_decrypt(k, nonce, nonce_len, ad, ad_len, ct, pt_len, pt);
  if (!ok)
    explicit_bzero(pt, pt_len);
  return ok;
}

void aead_forget(void)
{
  for (int i = 0; i < CACHE_SLOTS; i++) {
    for (int j = 0; j < 2; j++)
      aes_forget(&cache.slots[i].aes[j]);
  }
  aes_forget(&cache.scratch);
  explicit_bzero(&cache, sizeof(cache));
}
