#include "conf/conf_include.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf_lexer.h"
#include "conf/conf_mem.h"
#include "conf/conf_parse.h"
#include "conf/conf_source.h"
#include "conf/conf_value.h"

struct conf_loader {
  unsigned depth;                 /* files being read now */
  unsigned files;                 /* files read by this load */
  struct {
    dev_t dev;
    ino_t ino;
  } open[CONF_MAX_INCLUDE_DEPTH];
};

/* Read a whole file of at most CONF_MAX_FILE_SIZE bytes into a new buffer.
 * Returns 0 or an errno value. */
static int read_file(const char *path, char **text, size_t *len, struct stat *st)
{
  /* Never wait in open(): a FIFO without a writer reads as empty, one whose
   * writer is slow fails with EAGAIN. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return errno;
  if (fstat(fd, st) < 0) {
    int err = errno;
    close(fd);
    return err;
  }
  size_t cap = 4096, used = 0;
  char *buf = conf_xmalloc(cap);
  for (;;) {
    if (used > CONF_MAX_FILE_SIZE) {
      free(buf);
      close(fd);
      return EFBIG;
    }
    if (used == cap) {
      cap *= 2;
      buf = conf_xrealloc(buf, cap);
    }
    ssize_t n = read(fd, buf + used, cap - used);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int err = errno;
      free(buf);
      close(fd);
      return err;
    }
    if (n == 0)
      break;
    used += (size_t)n;
  }
  close(fd);
  *text = buf;
  *len = used;
  return 0;
}

/* Report a problem with a file: at the including line, or on its own for the
 * top-level file. */
/* Where git looks for the NUL byte that makes a file binary. */
#define TEXT_PROBE_LEN 8000

/* Why a file is not chrony.conf text, or NULL: a UTF-8 byte order mark
 * (chronyd takes it for part of the first directive) or a NUL byte near
 * the start (a binary file: one message, not one per line). */
static const char *not_text(const char *text, size_t len)
{
  if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
    return "starts with a UTF-8 byte order mark (save it without one)";
  if (memchr(text, '\0', len < TEXT_PROBE_LEN ? len : TEXT_PROBE_LEN))
    return "not a text file (it has NUL bytes)";
  return NULL;
}

static void file_error(struct conf_ctx *site, struct conf_diag *d, const char *path,
                       const char *what)
{
  if (site)
    conf_error(site, "'%s': %s", path, what);
  else
    conf_diag_add(d, CONF_ERROR, "%s: %s", path, what);
}

static void read_config_file(struct conf_ctx *site, struct config *c, const char *path,
                             struct conf_loader *l, struct conf_diag *d)
{
  struct stat st;
  char *text;
  size_t len;
  int err;

  if (l->depth >= CONF_MAX_INCLUDE_DEPTH) {
    file_error(site, d, path, "too many nested includes (at most 10 files deep)");
    return;
  }
  if (l->files >= CONF_MAX_FILES) {
    file_error(site, d, path, "too many configuration files (at most 1000)");
    return;
  }
  if ((err = read_file(path, &text, &len, &st)) != 0) {
    file_error(site, d, path, strerror(err));
    return;
  }
  const char *problem = not_text(text, len);
  if (problem) {
    conf_diag_add(d, CONF_ERROR, "%s:1: %s", path, problem);
    free(text);
    return;
  }
  for (unsigned i = 0; i < l->depth; i++) {
    if (l->open[i].dev == st.st_dev && l->open[i].ino == st.st_ino) {
      file_error(site, d, path, "include loop: the file is already being read");
      free(text);
      return;
    }
  }
  l->open[l->depth].dev = st.st_dev;
  l->open[l->depth].ino = st.st_ino;
  l->depth++;
  l->files++;
  conf_parse_buffer(c, text, len, path, d, l);
  l->depth--;
  free(text);
}

void conf_include_load(struct config *c, const char *path, struct conf_diag *d)
{
  struct conf_loader l = {0};
  read_config_file(NULL, c, path, &l, d);
}

/* Without a loader (text parsed from memory) no file is read. */
static bool can_read_files(struct conf_ctx *x)
{
  if (!x->loader)
    conf_warn_once(x, "files are not read when parsing text, ignored");
  return x->loader != NULL;
}

bool conf_include_parse(struct conf_ctx *x, struct config *c, int argc, const char *const *argv)
{
  glob_t gl;
  if (!conf_arg_count(x, argc, 1, 1, "PATTERN"))
    return false;
  if (!can_read_files(x))
    return true;
  /* As chrony: a pattern without wildcards names a file that must exist; a
   * wildcard pattern may match nothing. */
  errno = 0;
  int r = glob(argv[0], GLOB_NOMAGIC | GLOB_ERR, NULL, &gl);
  if (r == GLOB_NOMATCH)
    return true;
  if (r != 0) {   /* as chrony, also for a directory that does not exist */
    conf_error(x, "cannot search for files matching '%s': %s", argv[0],
               strerror(errno ? errno : EIO));
    return false;
  }
  for (size_t i = 0; i < gl.gl_pathc; i++)
    read_config_file(x, c, gl.gl_pathv[i], x->loader, x->diag);
  globfree(&gl);
  return true;
}

struct found {
  const char *base;   /* file name within path */
  unsigned dir;       /* index of the directory in the directive */
  char *path;
};

static int compare_found(const void *a, const void *b)
{
  const struct found *fa = a, *fb = b;
  int d = strcmp(fa->base, fb->base);
  return d ? d : (fa->dir > fb->dir) - (fa->dir < fb->dir);
}

/* Call fn for the files DIR/ *SUFFIX of the directories, in name order; of
 * files with the same name only the one in the earliest directory. */
static void search_dirs(const struct conf_strings *dirs, const char *suffix,
                        void (*fn)(const char *path, void *arg), void *arg)
{
  struct found *found = NULL;
  unsigned n = 0;
  for (unsigned i = 0; i < dirs->n; i++) {
    glob_t gl;
    size_t size = strlen(dirs->v[i]) + strlen(suffix) + 3;
    char *pattern = conf_xmalloc(size);
    snprintf(pattern, size, "%s/*%s", dirs->v[i], suffix);
    if (glob(pattern, 0, NULL, &gl) == 0) {
      for (size_t k = 0; k < gl.gl_pathc; k++) {
        struct found *f = conf_append(&found, &n, sizeof(*f));
        f->path = conf_xstrdup(gl.gl_pathv[k]);
        f->base = strrchr(f->path, '/') + 1;
        f->dir = i;
      }
      globfree(&gl);
    }
    free(pattern);
  }
  if (n > 0)
    qsort(found, n, sizeof(*found), compare_found);
  for (unsigned k = 0; k < n; k++) {
    if (k == 0 || strcmp(found[k].base, found[k - 1].base) != 0)
      fn(found[k].path, arg);
  }
  for (unsigned k = 0; k < n; k++)
    free(found[k].path);
  free(found);
}

static bool parse_dirs(struct conf_ctx *x, int argc, const char *const *argv,
                       struct conf_strings *dirs)
{
  if (!conf_arg_count(x, argc, 1, CONF_MAX_CONF_DIRS, "DIRECTORY..."))
    return false;
  for (int i = 0; i < argc; i++)
    conf_strings_add(dirs, argv[i]);
  return true;
}

struct confdir_arg {
  struct conf_ctx *x;
  struct config *c;
};

static void read_confdir_file(const char *path, void *arg)
{
  struct confdir_arg *a = arg;
  read_config_file(a->x, a->c, path, a->x->loader, a->x->diag);
}

bool conf_confdir_parse(struct conf_ctx *x, struct config *c, int argc, const char *const *argv)
{
  struct conf_strings dirs = {0};
  struct confdir_arg arg = {x, c};
  if (!parse_dirs(x, argc, argv, &dirs))
    return false;
  if (can_read_files(x))
    search_dirs(&dirs, ".conf", read_confdir_file, &arg);
  conf_strings_free(&dirs);
  return true;
}

bool conf_sourcedir_parse(struct conf_ctx *x, struct config *c, int argc, const char *const *argv)
{
  struct conf_strings dirs = {0};
  if (!parse_dirs(x, argc, argv, &dirs))
    return false;
  *(struct conf_strings *)conf_append(&c->sourcedirs, &c->n_sourcedirs, sizeof(dirs)) = dirs;
  return true;
}

void conf_sourcedir_print(const struct config *c, FILE *out)
{
  for (unsigned i = 0; i < c->n_sourcedirs; i++) {
    fputs("sourcedir", out);
    for (unsigned k = 0; k < c->sourcedirs[i].n; k++)
      fprintf(out, " %s", c->sourcedirs[i].v[k]);
    fputc('\n', out);
  }
}

struct sources_arg {
  struct config *out;
  struct conf_diag *d;
  unsigned added;
};

/* A *.sources file: only server, pool and peer; as in chrony, reading stops
 * at a line without a newline and bad lines are skipped (with a warning). */
static void read_sources_file(const char *path, void *arg)
{
  static const struct {
    const char *name;
    conf_parse_fn *parse;
  } kinds[] = {{"server", conf_server_parse}, {"pool", conf_pool_parse},
               {"peer", conf_peer_parse}};
  const size_t n_kinds = sizeof(kinds) / sizeof(kinds[0]);
  struct sources_arg *a = arg;
  struct conf_ctx x = {.diag = a->d, .file = conf_intern(a->out, path), .lenient = true};
  struct conf_line line;
  struct conf_words w;
  struct stat st;
  char *text;
  size_t len, pos = 0;
  int err;

  if ((err = read_file(path, &text, &len, &st)) != 0) {
    conf_diag_add(a->d, CONF_WARNING, "%s: %s", path, strerror(err));
    return;
  }
  const char *problem = not_text(text, len);
  if (problem) {
    conf_diag_add(a->d, CONF_WARNING, "%s:1: %s, ignored", path, problem);
    free(text);
    return;
  }
  for (x.line = 1; conf_next_line(text, len, &pos, &line) && line.newline; x.line++) {
    enum conf_lex lex = conf_split(&line, &w);
    if (lex == CONF_LEX_BLANK)
      continue;
    size_t k;
    for (k = 0; k < n_kinds && w.n > 0; k++) {
      if (strcasecmp(w.v[0], kinds[k].name) == 0)
        break;
    }
    x.directive = k < n_kinds ? kinds[k].name : w.n > 0 ? w.v[0] : "(none)";
    if (lex != CONF_LEX_WORDS)
      conf_warn(&x, "line too long or with a NUL byte, ignored");
    else if (k == n_kinds)
      conf_warn(&x, "only server, pool and peer belong in a sources file, ignored");
    else if (kinds[k].parse(&x, a->out, w.n - 1, w.v + 1))
      a->added++;
  }
  free(text);
}

unsigned conf_load_sourcedirs(const struct config *c, struct config *out, struct conf_diag *d)
{
  struct sources_arg arg = {.out = out, .d = d};
  for (unsigned i = 0; i < c->n_sourcedirs; i++)
    search_dirs(&c->sourcedirs[i], ".sources", read_sources_file, &arg);
  return arg.added;
}
