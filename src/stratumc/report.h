/* report: `stratumc report LOGDIR OUT.html`, the page of plots drawn from
 * the log files of `log measurements statistics tracking refclocks` in
 * LOGDIR (and their rotated name.log.1 ... name.log.9, oldest first).
 *
 * The page is self-contained HTML (inline SVG and CSS, no script): per
 * source offset, delay, jitter and frequency, the system's tracking, the
 * refclocks' offsets, and a table of summary figures. Bad lines are
 * counted, reported on stderr (the first few by file:line) and skipped;
 * a progress line goes to stderr every second of a long read. */
#ifndef STRATUM_STRATUMC_REPORT_H
#define STRATUM_STRATUMC_REPORT_H

/* Returns the exit status: 0 when the page is written. */
int sc_report_page(const char *logdir, const char *out_path);

#endif
