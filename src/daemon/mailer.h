/* mailer: mailonchange ADDRESS THRESHOLD, as chronyd does it: a clock
 * update correcting more than THRESHOLD seconds is mailed to ADDRESS
 * through `sendmail -t` (the program chosen at build time, meson option
 * `sendmail`).
 *
 * The daemon never runs a program itself: once it has dropped root, and
 * before the system call filter (which forbids executing), mailer_run()
 * forks a helper that keeps only the read end of a pipe. mailer_notify(),
 * the client's mail_change hook, writes the correction into the pipe
 * without blocking (a notice that does not fit is dropped with a warning);
 * the helper mails each one in turn, naming the host and the time it read
 * it, and exits when the daemon closes the pipe (sys/children.h reaps it). */
#ifndef STRATUM_DAEMON_MAILER_H
#define STRATUM_DAEMON_MAILER_H

#include <stdbool.h>

struct mailer {
  const char *address;           /* NULL: mailonchange not configured */
  double threshold;
  int fd;                        /* the pipe's write end; -1: no helper */
};

void mailer_init(struct mailer *m, const char *address, double threshold);
/* Forks the helper; false (and a message logged) if it cannot. */
bool mailer_run(struct mailer *m);
void mailer_notify(void *mailer, double correction);
void mailer_stop(struct mailer *m);

#endif
