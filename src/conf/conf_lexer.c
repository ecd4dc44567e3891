#include "conf/conf_lexer.h"

#include <string.h>

bool conf_next_line(const char *text, size_t len, size_t *pos, struct conf_line *line)
{
  if (*pos >= len)
    return false;
  const char *start = text + *pos;
  const char *nl = memchr(start, '\n', len - *pos);
  line->start = start;
  line->len = nl ? (size_t)(nl - start) : len - *pos;
  line->newline = nl != NULL;
  *pos += line->len + (nl ? 1 : 0);
  return true;
}

/* White space as isspace() in the C locale, independent of the locale. */
static bool is_space(char ch)
{
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r';
}

enum conf_lex conf_split(const struct conf_line *line, struct conf_words *w)
{
  enum conf_lex status = CONF_LEX_WORDS;
  size_t len = line->len;
  const char *nul = memchr(line->start, '\0', len);

  if (len + (line->newline ? 1 : 0) >= CONF_LINE_MAX) {
    status = CONF_LEX_TOO_LONG;
    len = CONF_LINE_MAX - 1;
  }
  if (nul && (size_t)(nul - line->start) < len) {
    status = CONF_LEX_NUL;
    len = (size_t)(nul - line->start);
  }

  /* Each word is copied NUL-terminated into buf; a word and its terminator
   * never take more bytes than the word and the space after it. */
  size_t out = 0;
  w->n = 0;
  for (size_t i = 0; i < len;) {
    while (i < len && is_space(line->start[i]))
      i++;
    if (i == len)
      break;
    if (w->n == 0 && status != CONF_LEX_TOO_LONG && strchr("!;#%", line->start[i]))
      return CONF_LEX_BLANK;
    w->v[w->n++] = w->buf + out;
    while (i < len && !is_space(line->start[i]))
      w->buf[out++] = line->start[i++];
    w->buf[out++] = '\0';
  }
  if (status == CONF_LEX_WORDS && w->n == 0)
    return CONF_LEX_BLANK;
  return status;
}
