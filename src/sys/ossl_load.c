/* ossl_load: stratum-ossl.so loaded with dlopen (see ossl_load.h). */
#include "sys/ossl_load.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

/* An object's first segment when it is read-only data: its ELF and
 * program headers, symbol and relocation tables. */
static int drop_tables(struct dl_phdr_info *info, size_t size, void *arg)
{
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  (void)size;
  (void)arg;
  for (unsigned i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD)
      continue;
    if (ph->p_offset == 0 && ph->p_flags == PF_R) {
      uintptr_t start = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
      uintptr_t end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) & ~(page - 1);
      madvise((void *)start, end - start, MADV_DONTNEED);
    }
    break;                              /* the first PT_LOAD only */
  }
  return 0;
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
  /* ld.so has just read the symbol and relocation tables of the libraries
   * it bound (libcrypto's alone are 800 KiB) and, everything bound at
   * once, reads them no more: their pages are let go (clean file pages,
   * read again from the page cache if anything needs them). */
  dl_iterate_phdr(drop_tables, NULL);
  return true;
}

bool ossl_load(char *err, size_t err_cap)
{
  return ossl_get() || ossl_load_file(ossl_load_path(), err, err_cap);
}
