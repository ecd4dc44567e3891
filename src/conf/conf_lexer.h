/* conf_lexer: lines, comments and words of chrony.conf text.
 *
 * As in chrony: a comment line starts (after optional white space) with one
 * of ! ; # %; there are no trailing comments and no continuation lines (a
 * '#' after a directive is just another word); words are separated by white
 * space; a line, with its newline, must be shorter than CONF_LINE_MAX. */
#ifndef STRATUM_CONF_LEXER_H
#define STRATUM_CONF_LEXER_H

#include <stdbool.h>
#include <stddef.h>

#define CONF_LINE_MAX 2048
#define CONF_MAX_WORDS (CONF_LINE_MAX / 2)

struct conf_line {
  const char *start;
  size_t len;          /* without the newline */
  bool newline;        /* ended by '\n' (not by the end of the text) */
};

/* Take the line at text[*pos] and advance *pos; false at the end. */
bool conf_next_line(const char *text, size_t len, size_t *pos, struct conf_line *line);

enum conf_lex {
  CONF_LEX_BLANK,      /* empty, white space only, or a comment */
  CONF_LEX_WORDS,
  CONF_LEX_TOO_LONG,   /* words hold the start of the line */
  CONF_LEX_NUL,        /* a NUL byte in the line; words hold the part before it */
};

struct conf_words {
  char buf[CONF_LINE_MAX];
  const char *v[CONF_MAX_WORDS];
  int n;
};

enum conf_lex conf_split(const struct conf_line *line, struct conf_words *w);

#endif
