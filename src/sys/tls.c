/* tls: pieces of OpenSSL use shared by tlsd and tlsc (see tls.h). */
#include "sys/tls.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

bool tls_wait(struct loop *loop, int fd, loop_fd_fn fn, void *ssl, int r, char *err,
              size_t err_cap)
{
  bool want_write;
  switch (SSL_get_error(ssl, r)) {
  case SSL_ERROR_WANT_READ:
    want_write = false;
    break;
  case SSL_ERROR_WANT_WRITE:
    want_write = true;
    break;
  default:
    if (err) {
      unsigned long e = ERR_peek_error();
      if (e)
        ERR_error_string_n(e, err, err_cap);
      else
        snprintf(err, err_cap, "connection closed or reset");
    }
    ERR_clear_error();
    return false;
  }
  loop_watch_output(loop, fd, want_write ? fn : NULL);
  loop_pause_input(loop, fd, want_write);
  return true;
}

void tls_error(char *err, size_t cap, const char *what, const char *where)
{
  char reason[160];
  ERR_error_string_n(ERR_get_error(), reason, sizeof(reason));
  ERR_clear_error();
  snprintf(err, cap, "could not %s %s: %s", what, where, reason);
}

bool tls_export(void *ssl, const char *label, const uint8_t *context, size_t context_len,
                uint8_t *out, size_t len)
{
  return SSL_export_keying_material(ssl, out, len, label, strlen(label), context, context_len,
                                    1) == 1;
}
