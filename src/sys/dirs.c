#include "sys/dirs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/platform.h"
#include "sys/log.h"

#define PARENT_MODE 0750

bool dirs_parent(const char *path, char *dir, size_t size)
{
  const char *slash = strrchr(path, '/');
  size_t len = slash ? (size_t)(slash - path) : 1;
  if (slash == path)
    len = 1;                              /* "/x": the root */
  if (len >= size)
    return false;
  memcpy(dir, slash ? path : ".", len);
  dir[len] = '\0';
  return true;
}

/* One component: true if it is (now) a directory with the wanted owner. */
static bool create_one(const char *p, mode_t mode, uid_t uid, gid_t gid)
{
  struct stat st;
  if (stat(p, &st) == 0) {
    if (S_ISDIR(st.st_mode))
      return true;
    log_printf(PLAT_LOG_ERR, "%s is not directory", p);
    return false;
  }
  if (errno != ENOENT) {
    log_printf(PLAT_LOG_ERR, "Could not access %s : %s", p, strerror(errno));
    return false;
  }
  if (mkdir(p, 0700) < 0) {
    log_printf(PLAT_LOG_ERR, "Could not create directory %s : %s", p, strerror(errno));
    return false;
  }
  /* Ownership first, then the mode (not the umask's): never wider than
   * 0700 while it belongs to the wrong user. */
  if ((uid != geteuid() || gid != getegid()) && lchown(p, uid, gid) < 0) {
    log_printf(PLAT_LOG_ERR, "Could not change ownership of %s : %s", p, strerror(errno));
    rmdir(p);
    return false;
  }
  if (chmod(p, mode) < 0) {
    log_printf(PLAT_LOG_ERR, "Could not change permissions of %s : %s", p, strerror(errno));
    rmdir(p);
    return false;
  }
  return true;
}

bool dirs_create(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
  char p[4096];
  size_t len = strlen(path);
  if (len >= sizeof(p)) {
    log_printf(PLAT_LOG_ERR, "Could not create directory %s : %s", path, strerror(ENAMETOOLONG));
    return false;
  }
  memcpy(p, path, len + 1);
  while (len > 1 && p[len - 1] == '/')
    p[--len] = '\0';
  for (size_t i = 1; i <= len; i++) {
    if (p[i] != '/' && p[i] != '\0')
      continue;
    if (p[i - 1] == '/')
      continue;                           /* "a//b" */
    bool last = i == len;
    p[i] = '\0';
    bool ok = last ? create_one(p, mode, uid, gid) : create_one(p, PARENT_MODE, geteuid(), gid);
    if (!last)
      p[i] = '/';
    if (!ok)
      return false;
  }
  return true;
}

static bool stat_dir(const char *path, struct stat *st)
{
  if (stat(path, st) < 0) {
    log_printf(PLAT_LOG_ERR, "Could not access %s : %s", path, strerror(errno));
    return false;
  }
  if (!S_ISDIR(st->st_mode)) {
    log_printf(PLAT_LOG_ERR, "%s is not directory", path);
    return false;
  }
  return true;
}

bool dirs_check_exact(const char *path, mode_t perm, uid_t uid, gid_t gid)
{
  struct stat st;
  if (!stat_dir(path, &st))
    return false;
  if (st.st_mode & 0777 & ~perm) {
    log_printf(PLAT_LOG_ERR, "Wrong permissions on %s", path);
    return false;
  }
  if (st.st_uid != uid) {
    log_printf(PLAT_LOG_ERR, "Wrong owner of %s (%s != %u)", path, "UID", (unsigned)uid);
    return false;
  }
  if (st.st_gid != gid) {
    log_printf(PLAT_LOG_ERR, "Wrong owner of %s (%s != %u)", path, "GID", (unsigned)gid);
    return false;
  }
  return true;
}

bool dirs_check_private(const char *path, uid_t uid, gid_t gid)
{
  struct stat st;
  if (!stat_dir(path, &st))
    return false;
  bool group_ok = st.st_gid == 0 || st.st_gid == gid;
  if ((st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && !group_ok)) {
    log_printf(PLAT_LOG_ERR, "Wrong permissions on %s", path);
    return false;
  }
  if (st.st_uid != 0 && st.st_uid != uid) {
    log_printf(PLAT_LOG_ERR, "Wrong owner of %s (%s != %u)", path, "UID", (unsigned)uid);
    return false;
  }
  return true;
}
