/* tls: pieces shared by tlsd and tlsc (see tls.h). */
#include "sys/tls.h"

#include "sys/ossl_load.h"

const struct ossl_ops *tls_ops(char *err, size_t err_cap)
{
  return ossl_load(err, err_cap) ? ossl_get() : NULL;
}

bool tls_wait(struct loop *loop, int fd, loop_fd_fn fn, enum ossl_io io)
{
  if (io != OSSL_IO_WANT_READ && io != OSSL_IO_WANT_WRITE)
    return false;
  bool want_write = io == OSSL_IO_WANT_WRITE;
  loop_watch_output(loop, fd, want_write ? fn : NULL);
  loop_pause_input(loop, fd, want_write);
  return true;
}
