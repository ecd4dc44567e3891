/* ossl_load: stratum-ossl.so loaded with dlopen (see ossl_load.h). */
#include "sys/ossl_load.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/ossl.h"

#define MODULE_NAME "stratum-ossl.so"

const char *ossl_load_path(void)
{
  static char path[PATH_MAX];
  char exe[PATH_MAX], build[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  /* both resolved: the build directory's path may go through a symlink */
  if (n > 0 && realpath(STRATUM_BUILD_DIR, build)) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
      *slash = '\0';
    if (strcmp(exe, build) == 0) {
      snprintf(path, sizeof(path), "%s/%s", STRATUM_BUILD_DIR, MODULE_NAME);
      return path;
    }
  }
  return STRATUM_OSSL_DIR "/" MODULE_NAME;
}

bool ossl_load_file(const char *path, char *err, size_t err_cap)
{
  struct stat st;
  char fd_path[64];
  /* the file checked is the file loaded: through its descriptor */
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) < 0) {
    snprintf(err, err_cap, "could not open %s : %s", path, strerror(errno));
    if (fd >= 0)
      close(fd);
    return false;
  }
  const char *refused = !S_ISREG(st.st_mode)                         ? "not a regular file"
                        : st.st_uid != 0 && st.st_uid != geteuid()   ? "not owned by root"
                        : st.st_mode & (S_IWGRP | S_IWOTH)           ? "writable by group or others"
                                                                     : NULL;
  if (refused) {
    snprintf(err, err_cap, "refusing to load %s : %s", path, refused);
    close(fd);
    return false;
  }
  snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", fd);
  void *h = dlopen(fd_path, RTLD_NOW | RTLD_LOCAL);
  close(fd);
  const struct ossl_ops *ops = h ? dlsym(h, OSSL_OPS_SYMBOL) : NULL;
  if (!ops || ops->version != OSSL_OPS_VERSION) {
    snprintf(err, err_cap, "could not load %s : %s", path,
             !h ? dlerror() : !ops ? "no " OSSL_OPS_SYMBOL : "built for another version");
    if (h)
      dlclose(h);
    return false;
  }
  ossl_set(ops);
  return true;
}

bool ossl_load(char *err, size_t err_cap)
{
  return ossl_get() || ossl_load_file(ossl_load_path(), err, err_cap);
}
