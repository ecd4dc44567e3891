/* detach: run in the background as a daemon. The parent waits until the
 * child reports that start-up finished and exits with the child's status,
 * so `stratumd` returning 0 means the daemon is serving, and prints the
 * reason when it is not. The child closes every descriptor it inherited. */
#ifndef STRATUM_SYS_DETACH_H
#define STRATUM_SYS_DETACH_H

/* In the child: returns a descriptor to pass to detach_done(). In the
 * parent: does not return. Returns -1 if fork failed. */
int detach_start(void);
/* A fatal message for the waiting parent to print on its stderr (the
 * daemon's log may be syslog, which the person starting it may not see). */
void detach_message(int fd, const char *text);
/* Report the start-up status (0 = running) to the waiting parent. */
void detach_done(int fd, int status);

#endif
