#include "sys/privileges.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

bool priv_drop(const char *user)
{
  struct passwd *pw = getpwnam(user);
  if (!pw) {
    errno = ENOENT;
    return false;
  }
  if (pw->pw_uid == 0)
    return true;
  if (initgroups(user, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
    return false;
  /* Make sure there is no way back. */
  if (setuid(0) == 0) {
    errno = EPERM;
    return false;
  }
  return true;
}
