/* aead: the AEAD algorithms NTS uses (RFC 8915 section 5.1), by their IANA
 * identifiers:
 *
 *   id  name                   key  nonce     output
 *   15  AEAD_AES_SIV_CMAC_256   32  1 or more  tag || ciphertext (RFC 5297)
 *   17  AEAD_AES_SIV_CMAC_512   64  1 or more  tag || ciphertext (RFC 5297)
 *   30  AEAD_AES_128_GCM_SIV    16  exactly 12 ciphertext || tag (RFC 8452)
 *
 * The tag is 16 bytes for all three, so the output is always 16 bytes longer
 * than the plaintext. SIV authenticates the associated data, then the nonce
 * as the last associated-data component (RFC 5297 section 3), as nettle's
 * siv_cmac_aes128_encrypt_message and hence chrony do; an empty associated
 * data is still a component. GCM-SIV authenticates the one associated data.
 *
 * Both are built here on proto/aes.h's block cipher (CMAC, CTR and POLYVAL
 * computed here): OpenSSL 3.0's own "AES-128-SIV" cannot encrypt an empty
 * plaintext (NTS requests have one), and 3.0 has no GCM-SIV. For speed,
 * each thread keeps the AES key schedules of the last
 * four keys it used (a server's cookie key is used twice per request), with
 * a copy of each key, until aead_forget(); input and output buffers must
 * not overlap. */
#ifndef STRATUM_PROTO_AEAD_H
#define STRATUM_PROTO_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AEAD_AES_SIV_CMAC_256 15
#define AEAD_AES_SIV_CMAC_512 17
#define AEAD_AES_128_GCM_SIV 30

#define AEAD_TAG_LEN 16
#define AEAD_MAX_KEY_LEN 64

/* A key and the algorithm it is for. */
struct aead_key {
  uint16_t algorithm;
  size_t len;
  uint8_t data[AEAD_MAX_KEY_LEN];
};

/* The key length of an algorithm; 0 if it is not one of the table above. */
size_t aead_key_len(uint16_t algorithm);
/* The nonce lengths an algorithm takes (0 and 0 if unknown). */
size_t aead_nonce_min(uint16_t algorithm);
size_t aead_nonce_max(uint16_t algorithm);

/* Encrypt pt_len bytes into out (pt_len + AEAD_TAG_LEN bytes, laid out as
 * the table says). False, with nothing written, if the key's length does not
 * match its algorithm, the nonce length is out of range, out_cap is too
 * small, or OpenSSL fails. */
bool aead_encrypt(const struct aead_key *key, const uint8_t *nonce, size_t nonce_len,
                  const uint8_t *ad, size_t ad_len, const uint8_t *pt, size_t pt_len,
                  uint8_t *out, size_t out_cap);

/* Decrypt and authenticate ct_len bytes (at least AEAD_TAG_LEN) into pt
 * (ct_len - AEAD_TAG_LEN bytes). False for the same reasons as encryption,
 * a short ct, or a tag that does not verify; after a failed tag pt holds
 * zeros. */
bool aead_decrypt(const struct aead_key *key, const uint8_t *nonce, size_t nonce_len,
                  const uint8_t *ad, size_t ad_len, const uint8_t *ct, size_t ct_len,
                  uint8_t *pt, size_t pt_cap);

/* Wipe and free the calling thread's kept keys and schedules. */
void aead_forget(void);

#endif
