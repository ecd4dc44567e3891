#include "sys/privileges.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Leave exactly CAP_SYS_TIME (or nothing) permitted and effective. */
static bool set_caps(bool keep_clock)
{
  cap_value_t clock[] = {CAP_SYS_TIME};
  cap_t caps = cap_init();
  if (!caps)
    return false;
  bool ok = (!keep_clock || (cap_set_flag(caps, CAP_PERMITTED, 1, clock, CAP_SET) == 0 &&
                             cap_set_flag(caps, CAP_EFFECTIVE, 1, clock, CAP_SET) == 0)) &&
            cap_set_proc(caps) == 0;
  int saved = errno;
  cap_free(caps);
  errno = saved;
  return ok;
}

bool priv_drop(const char *user, bool keep_clock)
{
  struct passwd *pw = getpwnam(user);
  if (!pw) {
    errno = ENOENT;
    return false;
  }
  if (pw->pw_uid == 0)
    return true;
  /* Keep the permitted capabilities across setuid, then trim them. */
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || initgroups(user, pw->pw_gid) < 0 ||
      setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0 || !set_caps(keep_clock))
    return false;
  (void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  /* Make sure there is no way back. */
  if (setuid(0) == 0) {
    errno = EPERM;
    return false;
  }
  return true;
}
