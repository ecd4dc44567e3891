/* aes: the AES block cipher (FIPS-197), encryption only, 128- and 256-bit
 * keys, for proto/aead.c's modes. With AES-NI (x86-64, checked at run time
 * with cpuid) the rounds and the key schedule are the CPU's instructions
 * here, so that a process that needs nothing else from OpenSSL never loads
 * its provider (about 2 MiB of libcrypto's pages); otherwise OpenSSL 3's
 * AES-ECB does the work, through proto/ossl.h's table (without one, no key
 * can be set). */
#ifndef STRATUM_PROTO_AES_H
#define STRATUM_PROTO_AES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AES_BLOCK 16
#define AES_MAX_ROUNDS 14

/* A key schedule. Zero-initialise before the first aes_set_key(); reuse it
 * for other keys; aes_forget() wipes and frees it. */
struct aes_key {
  _Alignas(16) uint8_t rk[(AES_MAX_ROUNDS + 1) * AES_BLOCK];
  unsigned rounds;              /* 0: no key set */
  bool hw;                      /* scheduled in rk for AES-NI, else in evp */
  void *evp;                    /* OpenSSL's context (made on first use) */
};

/* Schedule a 16- or 32-byte key; false, with no key left set, for another
 * length or if OpenSSL is needed and fails or is not loaded. */
bool aes_set_key(struct aes_key *k, const uint8_t *key, size_t key_len);

/* Encrypt len bytes (whole blocks) block by block (ECB); in may be out. */
bool aes_encrypt(const struct aes_key *k, const uint8_t *in, uint8_t *out, size_t len);

/* CBC-MAC's chain over len bytes (whole blocks): x = E(x ^ block) for each
 * block of in, in order (with AES-NI, one call keeps the chain in
 * registers). */
bool aes_cbc_mac(const struct aes_key *k, uint8_t x[AES_BLOCK], const uint8_t *in, size_t len);

/* Wipe the schedule and free what it holds. */
void aes_forget(struct aes_key *k);

/* Whether the AES-NI path is in use; aes_use_hw(false) makes the process
 * use OpenSSL (and true back to AES-NI when the CPU has it), for tests
 * comparing the two: keys must be set again after a switch. */
bool aes_hw(void);
void aes_use_hw(bool on);

#endif
