/* wire: one bounds-checked reader and writer for network byte order data.
 *
 * Reads past the end set a sticky error flag and return zeros, so a parser
 * can read a whole structure and check `r.err` once; it can never read
 * outside the buffer. A failed read consumes nothing, and once the flag is
 * set every later read fails too. The writer works the same way: a put that
 * does not fit writes nothing and sets `w.err`. */
#ifndef STRATUM_PROTO_WIRE_H
#define STRATUM_PROTO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wire_reader {
  const uint8_t *buf;
  size_t len, pos;
  bool err;
};

struct wire_writer {
  uint8_t *buf;
  size_t cap, pos;
  bool err;
};

void wire_reader_init(struct wire_reader *r, const void *buf, size_t len);
uint8_t wire_get_u8(struct wire_reader *r);
uint16_t wire_get_u16(struct wire_reader *r);
uint32_t wire_get_u32(struct wire_reader *r);
uint64_t wire_get_u64(struct wire_reader *r);
/* Copy n bytes out (zero-filled on error). */
void wire_get_bytes(struct wire_reader *r, void *out, size_t n);
/* Pointer to the next n bytes and advance, or NULL (and err) if short. */
const uint8_t *wire_get_span(struct wire_reader *r, size_t n);
/* Bytes left to read; 0 once the error flag is set. */
size_t wire_remaining(const struct wire_reader *r);

void wire_writer_init(struct wire_writer *w, void *buf, size_t cap);
void wire_put_u8(struct wire_writer *w, uint8_t v);
void wire_put_u16(struct wire_writer *w, uint16_t v);
void wire_put_u32(struct wire_writer *w, uint32_t v);
void wire_put_u64(struct wire_writer *w, uint64_t v);
void wire_put_bytes(struct wire_writer *w, const void *src, size_t n);

/* Bytes as upper-case hex digits into out (2 * n + 1 bytes, NUL-terminated):
 * the number of digits, or 0 if cap is too small. */
size_t wire_hex_format(const uint8_t *bytes, size_t n, char *out, size_t cap);
/* len hex digits (either case) into len / 2 bytes; false if len is odd or a
 * character is not a hex digit. */
bool wire_hex_parse(const char *hex, size_t len, uint8_t *out);
/* A hex digit's value (either case), or -1. */
int wire_hex_digit(char c);

/* Whether n bytes at a and b are equal, in a time that does not depend on
 * where they differ (for MACs and secrets). */
bool wire_equal_ct(const void *a, const void *b, size_t n);

#endif
