#include "daemon/layout.h"

#include <limits.h>
#include <stdlib.h>

#include "core/platform.h"
#include "sys/dirs.h"
#include "sys/log.h"

#define SOCKET_DIR_MODE 0770    /* chronyc binds its reply socket there */
#define DATA_DIR_MODE 0750

static void disable(char **path, const char *what)
{
  log_printf(PLAT_LOG_WARN, "Disabled %s %s", what, *path);
  free(*path);
  *path = NULL;
}

static void prepare_socket_dir(struct config *cfg, uid_t uid, gid_t gid)
{
  char dir[PATH_MAX];
  if (!cfg->bindcmdpath)
    return;
  if (!dirs_parent(cfg->bindcmdpath, dir, sizeof(dir))) {
    disable(&cfg->bindcmdpath, "command socket");
    return;
  }
  (void)dirs_create(dir, SOCKET_DIR_MODE, uid, gid);
  /* It may have existed: other users must not reach the socket. */
  if (!dirs_check_exact(dir, SOCKET_DIR_MODE, uid, gid))
    disable(&cfg->bindcmdpath, "command socket");
}

static void prepare_data_dir(char **dir, const char *what, uid_t uid, gid_t gid)
{
  if (*dir && !(dirs_create(*dir, DATA_DIR_MODE, uid, gid) && dirs_check_private(*dir, uid, gid)))
    disable(dir, what);
}

bool layout_prepare(struct config *cfg, uid_t uid, gid_t gid)
{
  char dir[PATH_MAX];
  prepare_socket_dir(cfg, uid, gid);
  prepare_data_dir(&cfg->logdir, "log directory", uid, gid);
  prepare_data_dir(&cfg->dumpdir, "dump directory", uid, gid);
  prepare_data_dir(&cfg->ntsdumpdir, "NTS dump directory", uid, gid);
  if (!cfg->pidfile)
    return true;
  /* Created for the user, so the pidfile can be removed after -u. */
  return dirs_parent(cfg->pidfile, dir, sizeof(dir)) &&
         dirs_create(dir, DATA_DIR_MODE, uid, gid) && dirs_check_private(dir, uid, gid);
}
