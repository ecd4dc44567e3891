"""The manual pages and the packaging agree with the code and work.

- stratum.conf(5) has an entry for every directive of the parser's table
  (as `stratumd --directives` lists it), and each entry says whether this
  version acts on it, as the binary says; the options of server/pool/peer
  are documented, marked acted on or refused as the binary says
  (tests/unit/test_conf.c checks that each changes what the client is
  given, or refuses the source).
- stratumd(8) documents every option that `stratumd -h` lists (each taken
  by the binary) and no other, names each
  in its synopsis, and the options it calls unrecognised are refused by the
  binary (and are those of chronyd -h that stratumd lacks); what it says -p
  prints is what `stratumd -p` prints; stratumc(1) documents stratumc's
  options and commands.
- No page and no README sentence says that something the binary acts on is
  not implemented (the binary's warnings for tests/data/all-directives.conf
  say what it acts on).
- The pages' footers carry one date and the binaries' version.
- Each page renders without warnings (groff -ww, man --warnings).
- `make install DESTDIR=...` lays out the expected files; the installed unit
  passes `systemd-analyze verify`; sysusers.d/tmpfiles.d files work.
- packaging/stratum.conf passes `stratumd -p` without an error or warning.

Nothing here touches the system: installs go to pytest's temporary
directories (DESTDIR is never empty), and systemd tools run with --root.
"""
import os
import re
import shutil
import stat
import subprocess

import pytest

from ntptest import BUILD, REPO, base_units, chronyd_path, require_stratumd

DOCS = REPO / "docs"
PACKAGING = REPO / "packaging"
PAGES = [DOCS / "stratumd.8", DOCS / "stratumc.1", DOCS / "stratum.conf.5"]
CMD_TIMEOUT = 60

# The sentences stratum.conf(5) uses for a directive's status (one source
# line each in the page).
OBSOLETE = "Obsolete; ignored with a warning."
OBSOLETE_SILENT = "Obsolete; ignored without a message, as chronyd does."
ACTED = "Acted on"
OPTION_REFUSED = "Refused in this version"

def read(path):
    return path.read_text(encoding="utf-8")


# ------------------------------------------------------------ the binary's tables

STATUS_OBSOLETE = {"obsolete": OBSOLETE, "obsolete-silent": OBSOLETE_SILENT}


def catalog():
    """`stratumd --directives`: [fields] of each line."""
    r = run([require_stratumd(), "--directives"])
    assert r.returncode == 0 and not r.stderr, r.stderr
    return [line.split("\t") for line in r.stdout.splitlines()]


def directive_table():
    """[(name, implemented, obsolete)] in table order; obsolete is the
    sentence its entry must have (None: not obsolete)."""
    rows = [(f[1], f[2]) for f in catalog() if f[0] == "directive"]
    assert all(status in ("acted", *STATUS_OBSOLETE) for _, status in rows), rows
    return [(name, status == "acted", STATUS_OBSOLETE.get(status)) for name, status in rows]


def source_option_status():
    """{option: acted|refused} of server/pool/peer, in table order."""
    rows = {f[2]: f[3] for f in catalog() if f[0] == "option" and f[1] == "server"}
    assert set(rows.values()) <= {"acted", "refused"}, rows
    return rows


def source_options():
    return list(source_option_status())


def refused_source_options():
    return {o for o, status in source_option_status().items() if status == "refused"}


def acted_source_options():
    """Options not refused (the unit test test_every_source_option_acts_or_refuses
    checks that each acts)."""
    return {o for o, status in source_option_status().items() if status == "acted"}


# ------------------------------------------------------------ the man pages

def conf_entries():
    """{directive: [source lines of its entry]} from stratum.conf.5."""
    entries, current = {}, None
    for line in read(DOCS / "stratum.conf.5").splitlines():
        m = re.match(r'^\.\\" directive: (\S+)$', line)
        if m:
            current = entries.setdefault(m.group(1), [])
        elif line.startswith((".SH", ".SS")):
            current = None
        elif current is not None:
            current.append(line)
    return entries


def heading_after_tp(lines):
    """The lines that directly follow a .TP (the tagged headings)."""
    return [lines[i + 1] for i in range(len(lines) - 1) if lines[i] == ".TP"]


def test_every_directive_of_the_table_has_an_entry():
    table = directive_table()
    names = [n for n, _, _ in table]
    assert len(names) >= 100, "stratumd --directives lists only %d directives" % len(names)
    # The list misses none: every directive the test data uses is in it.
    used = set()
    for line in read(REPO / "tests" / "data" / "all-directives.conf").splitlines():
        words = line.split()
        if words and words[0][0] not in "!;#%":
            used.add(words[0].lower())
    assert used <= set(names), "not listed by stratumd --directives: %s" % sorted(used - set(names))

    entries = conf_entries()
    missing = [n for n in names if n not in entries]
    assert not missing, "stratum.conf(5) has no entry for: %s" % missing
    unknown = sorted(set(entries) - set(names))
    assert not unknown, "stratum.conf(5) documents directives the parser lacks: %s" % unknown
    for n in names:
        heading = entries[n][1] if len(entries[n]) > 1 else ""
        assert entries[n][0] == ".TP" and heading.startswith("\\fB%s\\fR" % n), \
            "entry of %s should start with .TP and the heading \\fB%s\\fR" % (n, n)


def test_table_names_are_directives_of_the_binary():
    """Cross-check of the list: the parser knows every name it gives."""
    stratumd = require_stratumd()
    names = [n for n, _, _ in directive_table()]
    r = subprocess.run([str(stratumd), "-p"] + names, capture_output=True, text=True,
                       timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL, cwd=str(REPO))
    unknown = [line for line in r.stderr.splitlines() if "unknown directive" in line]
    assert not unknown, unknown


def test_each_entry_states_what_this_version_does():
    entries = conf_entries()
    problems = []
    for name, implemented, obsolete in directive_table():
        text = "\n".join(entries.get(name, []))
        if obsolete:
            if obsolete not in text:
                problems.append("%s is obsolete: its entry must say %r" % (name, obsolete))
        elif ACTED not in text:
            problems.append("%s is acted on: its entry must say %r" % (name, ACTED))
    assert not problems, "\n".join(problems)


def test_list_of_acted_on_directives_matches_the_table():
    text = read(DOCS / "stratum.conf.5")
    m = re.search(r"The directives acted on in this version are:\n(.*?)\n\.SH DIRECTIVES", text, re.S)
    assert m, "the list of acted-on directives is missing"
    listed = set(re.findall(r"^\.BR? (\w+)", m.group(1), re.M)) - {"BUGS", "stratum"}
    acted = {n for n, impl, _ in directive_table() if impl}
    assert listed == acted, "listed but not implemented: %s; implemented but not listed: %s" % (
        sorted(listed - acted), sorted(acted - listed))


def source_option_texts():
    """{option: description} from the option list of the server entry."""
    lines = conf_entries()["server"]
    start, end = lines.index(".RS"), len(lines) - lines[::-1].index(".RE") - 1
    texts, group, has_text, after_tp = {}, [], False, False
    for line in lines[start + 1:end]:
        if line == ".TP":
            after_tp = True
            continue
        if after_tp:
            after_tp = False
            name = line.split()[1]
            if has_text:
                group, has_text = [], False
            group.append(name)
            texts[name] = ""
            continue
        if line.startswith(".PD"):
            continue
        for g in group:
            texts[g] += line + "\n"
        has_text = True
    return texts


def test_source_options_documented_with_their_status():
    texts = source_option_texts()
    options = source_options()
    refused = refused_source_options()
    assert refused <= set(options), refused
    assert len(options) > 30
    missing = [o for o in options if o not in texts]
    assert not missing, "server options missing from stratum.conf(5): %s" % missing
    extra = sorted(set(texts) - set(options))
    assert not extra, "documented options the parser lacks: %s" % extra
    problems = []
    for o in options:
        if (o in refused) != (OPTION_REFUSED in texts[o]):
            problems.append("%s: the binary %s it, the page says %r" % (
                o, "refuses" if o in refused else "does not refuse", texts[o]))
        if o in refused:
            continue
        if ACTED not in texts[o]:
            problems.append("%s: the binary acts on it, the page does not say %r" % (o, ACTED))
    assert not problems, "\n".join(problems)


def test_peer_is_documented_as_acted_on():
    text = "\n".join(conf_entries()["peer"])
    assert "not implemented" not in text and ACTED in text
    assert "mode 1" in text and "server socket" in text


def run(argv):
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                          timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)


def help_options(text):
    """(letters, long names) of the option lines of a -h summary."""
    letters, longs = [], []
    for line in text.split("Commands:")[0].splitlines():
        m = re.match(r"^\s+-(\w)\b", line)
        if m:
            letters.append(m.group(1))
        longs += re.findall(r"--([a-z][a-z-]*)", line)
    return letters, longs


def stratumd_help():
    r = run([require_stratumd(), "-h"])
    assert r.returncode == 0, r.stderr
    letters, longs = help_options(r.stdout)
    assert len(letters) > 10, r.stdout
    return letters, longs


def test_every_option_letter_is_in_stratumd_8():
    letters, longs = stratumd_help()
    # The binary takes each letter its -h lists (-p in front: nothing starts).
    for c in letters:
        r = run([require_stratumd(), "-p", "-f", "/dev/null", "-" + c, "1"])
        assert "invalid option" not in r.stderr, (c, r.stderr)
    page = read(DOCS / "stratumd.8")
    lines = page.splitlines()
    opts = lines[lines.index(".SH OPTIONS"):]
    opts = opts[:next(i for i, l in enumerate(opts[1:], 1) if l.startswith(".SH"))]
    headings = heading_after_tp(opts)
    documented = set()
    for h in headings:
        documented |= set(re.findall(r"\\-([A-Za-z0-9])\b", h.split('"')[0]))
    missing = [c for c in letters if c not in documented]
    assert not missing, "stratumd(8) does not document: %s" % ["-" + c for c in missing]
    extra = sorted(documented - set(letters))
    assert not extra, "stratumd(8) documents options that do not exist: %s" % extra
    for name in longs:
        assert "\\-\\-" + name in "\n".join(headings), "--%s is not documented" % name


def test_stratumd_8_synopsis_names_every_option():
    letters, longs = stratumd_help()
    synopsis = "\n".join(page_section(read(DOCS / "stratumd.8"), "SYNOPSIS"))
    named = set(re.findall(r"\\-([A-Za-z0-9])\b", synopsis))
    missing = [c for c in letters if c not in named]
    assert not missing, "the synopsis of stratumd(8) lacks %s" % ["-" + c for c in missing]
    for name in longs:
        assert "\\-\\-" + name in synopsis, "the synopsis lacks --%s" % name


def said_unrecognised():
    """The letters of stratumd(8)'s sentence on chronyd's options it lacks."""
    text = read(DOCS / "stratumd.8")
    if re.search(r"^Every option of chronyd [\d.]+ is accepted, with chronyd's meaning\.$", text,
                 re.M):
        return []
    m = re.search(r"^The other options of chronyd\n(.*?)\nare not recognised", text, re.S | re.M)
    assert m, "stratumd(8) has no sentence on the options of chronyd it does not recognise"
    letters = re.findall(r"\\-([A-Za-z0-9])\b", m.group(1))
    assert letters and not re.sub(r"^\.R?BR? |\\-[A-Za-z0-9]\b|\\&|^and$|[\s(),.]", "", m.group(1),
                                  flags=re.M), \
        "only option letters expected in: %r" % m.group(1)
    return letters


def test_options_stratumd_8_calls_unrecognised_are_refused():
    stratumd = require_stratumd()
    helped, _ = stratumd_help()
    for c in said_unrecognised():
        assert c not in helped, "stratumd -h lists -%s, which stratumd(8) calls unrecognised" % c
        # With -p in front nothing is ever started, whatever -c would do.
        r = run([stratumd, "-p", "-f", "/dev/null", "-" + c])
        assert r.returncode == 1 and "invalid option -- '%s'" % c in r.stderr \
            and "Usage:" in r.stderr, (c, r.returncode, r.stderr)


def test_stratumd_8_names_the_chronyd_options_stratumd_lacks():
    r = run([chronyd_path(), "-h"])   # skips without the extracted peers
    theirs, _ = help_options(r.stdout)
    assert len(theirs) > 10, r.stdout + r.stderr
    ours, _ = stratumd_help()
    assert sorted(said_unrecognised()) == sorted(set(theirs) - set(ours))


def option_entry(page, letter):
    """The lines of the OPTIONS entry of -letter (after its heading)."""
    lines = page_section(read(DOCS / page), "OPTIONS")
    i = next(i for i in range(len(lines) - 1) if lines[i] == ".TP" and
             re.match(r"^\.BI? \\-%s\b" % letter, lines[i + 1]))
    end = next((k for k in range(i + 2, len(lines)) if lines[k] == ".TP"), len(lines))
    return lines[i + 2:end]


def test_stratumd_8_says_what_p_prints_without_configuration():
    r = run([require_stratumd(), "-p", "-f", "/dev/null"])
    assert r.returncode == 0 and r.stderr == "", r.stderr
    printed = [line.split()[0] for line in r.stdout.splitlines()]
    entry = option_entry("stratumd.8", "p")
    k = next((i for i, l in enumerate(entry) if "always printed" in l), None)
    assert k is not None, "the -p entry of stratumd(8) does not say what is always printed"
    named = []
    for line in entry[k:]:
        m = re.match(r"^\.BR? (\w+)", line)
        if m:
            named.append(m.group(1))
        elif named and line != "and":
            break
    assert sorted(named) == sorted(printed), \
        "stratumd(8) says %s are always printed; `stratumd -p -f /dev/null` prints %s" % (
            named, printed)


@pytest.fixture
def all_directives(tmp_path):
    """tests/data/all-directives.conf, its include pointed at an empty
    directory (the system's chrony.d may not exist)."""
    empty = tmp_path / "empty"
    empty.mkdir()
    text = read(REPO / "tests" / "data" / "all-directives.conf")
    text, n = re.subn(r"(?m)^include .*$", "include %s/*.conf" % empty, text)
    assert n == 1
    conf = tmp_path / "all.conf"
    conf.write_text(text)
    return conf


def binary_acts_on(conf):
    """{directive: acted on} for the directives of conf, from the warnings
    of `stratumd -p`."""
    r = run([require_stratumd(), "-p", "-f", conf])
    assert r.returncode == 0, r.stderr
    ignored = set(re.findall(r"^[^:]+:\d+: (\w+): directive is no longer supported$", r.stderr,
                             re.M))
    names = set()
    for line in read(conf).splitlines():
        words = line.split()
        if words and words[0][0] not in "!;#%":
            names.add(words[0].lower())
    return {n: n not in ignored for n in names}


def test_binary_acts_on_the_directives_the_table_flags(all_directives):
    """What the pages are checked against (the table, read with a regex)
    is what the binary does."""
    acted = binary_acts_on(all_directives)
    # dumponexit gets no warning at all, as chronyd: like one acted on.
    table = {n: impl or obsolete == OBSOLETE_SILENT for n, impl, obsolete in directive_table()}
    assert set(acted) == set(table)
    differ = sorted(n for n in table if acted[n] != table[n])
    assert not differ, "the binary %s" % ["%s %s" % ("acts on" if acted[n] else "ignores", n)
                                           for n in differ]


def test_p_prints_in_the_order_of_stratum_conf_5(all_directives):
    r = run([require_stratumd(), "-p", "-f", all_directives])
    assert r.returncode == 0, r.stderr
    # allow and deny lines (cmdallow, cmddeny) keep their order: one group.
    group = {"deny": "allow", "cmddeny": "cmdallow"}
    printed = []
    for line in r.stdout.splitlines():
        name = group.get(line.split()[0], line.split()[0])
        if not printed or printed[-1] != name:
            printed.append(name)
    assert len(printed) > 40, r.stdout
    assert len(printed) == len(set(printed)), "-p does not group directives: %s" % printed
    order = list(conf_entries())
    wrong = [(a, b) for a, b in zip(printed, printed[1:]) if order.index(a) > order.index(b)]
    assert not wrong, "-p prints these before, stratum.conf(5) after: %s" % wrong


# A sentence of a page or the README that says something is missing.
MISSING = re.compile(r"\b(not (yet )?implemented|not yet|not acted on|never polled)\b", re.I)
# Features named in words, and the directives or source options that give them.
FEATURES = {
    "control protocol": {"cmdport", "bindcmdaddress"},
    "command protocol": {"cmdport", "bindcmdaddress"},
    "rate limiting": {"ratelimit"},
    "log files": {"logdir"},
    "statistics files": {"logdir"},
    "dump files": {"dumpdir"},
    "drift file": {"driftfile"},
    "pid file": {"pidfile"},
    "interleaved": {"xleave"},
    "symmetric": {"peer"},
}


def man_sentences(page):
    """[(sentence, bold words)] of a page rendered by groff."""
    if not shutil.which("groff"):
        pytest.skip("groff is not installed (Debian package groff-base; scripts/deps.sh test)")
    r = subprocess.run(["groff", "-man", "-Tutf8", "-P-c", "-rLL=200n", str(page)],
                       capture_output=True, text=True, timeout=CMD_TIMEOUT,
                       env=dict(os.environ, LC_ALL="C.UTF-8"))
    assert r.returncode == 0, r.stderr
    text = re.sub(r"(?:(.)\x08\1)+",
                  lambda m: "\x01" + re.sub(r"(.)\x08\1", r"\1", m.group(0)) + "\x02", r.stdout)
    text = re.sub(r"_\x08(.)", r"\1", text)
    out = []
    for para in re.split(r"\n\s*\n", text):
        para = " ".join(para.split())
        for s in re.split(r"(?<=[.!?])\s+(?=[\x01A-Z\u201c(])", para):
            bold = re.findall(r"\x01([^\x02]*)\x02", s)
            out.append((re.sub(r"[\x01\x02]", "", s), [w for b in bold for w in b.split()]))
    return out


def readme_sentences():
    text = re.sub(r"(?ms)^```.*?^```$", "", read(REPO / "README.md"))
    out = []
    for para in re.split(r"\n\s*\n|\n(?=- )", text):
        para = " ".join(para.split())
        for s in re.split(r"(?<=[.!?])\s+(?=[`A-Z(])", para):
            out.append((s.replace("`", ""), [c.split()[0] for c in re.findall(r"`([^`]+)`", s)
                                              if c.split()]))
    return out


@pytest.mark.parametrize("doc", ["stratumd.8", "stratumc.1", "stratum.conf.5", "README.md"])
def test_nothing_the_binary_acts_on_is_said_to_be_missing(doc, all_directives):
    acted = {n for n, a in binary_acts_on(all_directives).items() if a} | acted_source_options()
    sentences = readme_sentences() if doc == "README.md" else man_sentences(DOCS / doc)
    assert len(sentences) > 20
    problems = []
    for sentence, marked in sentences:
        if not MISSING.search(sentence):
            continue
        named = {w.strip(".,;:()") for w in marked} & acted
        named |= {f for f, needs in FEATURES.items()
                  if f in sentence.lower() and needs <= acted}
        if named:
            problems.append("%s (acted on: %s)" % (sentence, ", ".join(sorted(named))))
    assert not problems, "%s says missing what the binary does:\n" % doc + "\n".join(problems)


def test_page_footers_carry_one_date_and_the_version():
    """The .TH lines: one date for the three pages, that of the version the
    binaries report; and not older than the pages' last change (git)."""
    versions = set()
    for binary in (require_stratumd(), BUILD / "stratumc"):
        if not os.access(binary, os.X_OK):
            pytest.skip("%s not built (run `make`)" % binary)
        r = run([binary, "--version"])
        assert r.returncode == 0, r.stderr
        versions |= set(re.findall(r"version (\S+)$", r.stdout.strip()))
    assert len(versions) == 1, versions
    version = versions.pop()
    dates = set()
    for page in PAGES:
        m = re.search(r'^\.TH \S+ \d "([^"]+)" "Stratum ([^"]+)"', read(page), re.M)
        assert m, "%s has no .TH line of the expected form" % page.name
        assert m.group(2) == version, "%s: Stratum %s, the binaries say %s" % (
            page.name, m.group(2), version)
        dates.add(m.group(1))
    assert len(dates) == 1, "the pages' footers differ: %s" % dates
    date = dates.pop()
    assert re.match(r"^\d{4}(-\d\d(-\d\d)?)?$", date), date
    if not (REPO / ".git").exists() or not shutil.which("git"):
        pytest.skip("no git history to date the pages")
    r = subprocess.run(["git", "log", "-1", "--format=%cd", "--date=format:%Y-%m-%d", "--"] +
                       [str(p.relative_to(REPO)) for p in PAGES], capture_output=True, text=True,
                       timeout=CMD_TIMEOUT, cwd=str(REPO))
    if r.returncode != 0 or not r.stdout.strip():
        pytest.skip("git cannot date the pages: %s" % r.stderr)
    changed = r.stdout.strip()
    assert date >= changed[:len(date)], \
        "the pages were changed on %s; their footers still say %s" % (changed, date)


def stratumc_help():
    stratumc = BUILD / "stratumc"
    if not os.access(stratumc, os.X_OK):
        pytest.skip("%s not built (run `make`)" % stratumc)
    r = subprocess.run([str(stratumc), "--help"], capture_output=True, text=True,
                       timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    return r.stdout


def page_section(page, name):
    lines = page.splitlines()
    sec = lines[lines.index(".SH " + name):]
    return sec[:next(i for i, l in enumerate(sec[1:], 1) if l.startswith(".SH"))]


def test_stratumc_1_documents_the_options_of_its_help():
    helped = set()
    for line in stratumc_help().split("Commands:")[0].splitlines():
        helped |= set(re.findall(r"^\s+(-\w)\b", line)) | set(re.findall(r"(--[a-z]+)", line))
    documented = set()
    for h in heading_after_tp(page_section(read(DOCS / "stratumc.1"), "OPTIONS")):
        documented |= {w.replace("\\-", "-") for w in re.findall(r"(?:\\-)+[A-Za-z0-9]+", h)}
    assert helped and helped <= documented, (helped - documented)


def test_stratumc_1_documents_every_command_of_its_help():
    commands = set()
    for line in stratumc_help().split("Commands:")[1].splitlines():
        m = re.match(r"^([a-z]+)\b", line)
        if m and not line.rstrip().endswith(":"):
            commands.add(m.group(1))
    text = "\n".join(page_section(read(DOCS / "stratumc.1"), "COMMANDS"))
    missing = sorted(c for c in commands
                     if not re.search(r'(?m)^\.B[RI]? "?%s\b|\\fB%s\b' % (c, c), text))
    assert len(commands) > 30 and not missing, missing


# ------------------------------------------------------------ rendering

@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_renders_without_warnings_groff(page):
    if not shutil.which("groff"):
        pytest.skip("groff is not installed (Debian package groff-base; scripts/deps.sh test)")
    r = subprocess.run(["groff", "-man", "-ww", "-z", str(page)], capture_output=True, text=True,
                       timeout=CMD_TIMEOUT)
    assert r.returncode == 0 and r.stderr == "", r.stderr


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
@pytest.mark.parametrize("width", ["80", "60"])
def test_page_renders_without_warnings_man(page, width):
    if not shutil.which("man"):
        pytest.skip("man is not installed (Debian package man-db; scripts/deps.sh test)")
    env = dict(os.environ, MANWIDTH=width, LC_ALL="C.UTF-8")
    r = subprocess.run(["man", "--warnings", "-l", "-Tutf8", str(page)], capture_output=True,
                       text=True, timeout=CMD_TIMEOUT, env=env)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert "NAME" in re.sub(".\x08", "", r.stdout)


# ------------------------------------------------------------ make install

def make_install(destdir, prefix=None, target="install"):
    assert str(destdir) not in ("", "/")
    cmd = ["make", "-o", "programs", target, "DESTDIR=%s" % destdir, "BUILD=%s" % BUILD]
    if prefix:
        cmd.append("PREFIX=%s" % prefix)
    env = {k: v for k, v in os.environ.items() if k not in ("PREFIX", "SYSTEMD_UNITDIR", "MAKEFLAGS")}
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=CMD_TIMEOUT, cwd=str(REPO),
                       stdin=subprocess.DEVNULL, env=env)
    assert r.returncode == 0, r.stdout + r.stderr


def require_built():
    require_stratumd()
    if not os.access(BUILD / "stratumc", os.X_OK):
        pytest.skip("%s not built (run `make`)" % (BUILD / "stratumc"))


def layout(prefix, unitdir):
    return {
        prefix + "/sbin/stratumd": 0o755,
        prefix + "/bin/stratumc": 0o755,
        prefix + "/lib/stratum/stratum-ossl.so": 0o644,
        prefix + "/share/man/man1/stratumc.1": 0o644,
        prefix + "/share/man/man5/stratum.conf.5": 0o644,
        prefix + "/share/man/man8/stratumd.8": 0o644,
        unitdir + "/stratumd.service": 0o644,
        unitdir + "/stratum-wait.service": 0o644,
        prefix + "/lib/sysusers.d/stratumd.conf": 0o644,
        prefix + "/lib/tmpfiles.d/stratumd.conf": 0o644,
        "/etc/logrotate.d/stratumd": 0o644,
        "/etc/stratum/stratum.conf": 0o644,
    }


@pytest.mark.parametrize("prefix,unitdir", [
    (None, "/usr/local/lib/systemd/system"),
    ("/usr", "/lib/systemd/system"),
    ("/opt/stratum", "/opt/stratum/lib/systemd/system"),
])
def test_make_install_layout(tmp_path, prefix, unitdir):
    require_built()
    dest = tmp_path / "root"
    make_install(dest, prefix)
    p = prefix or "/usr/local"
    expected = layout(p, unitdir)
    for path, mode in expected.items():
        f = dest / path.lstrip("/")
        assert f.is_file(), "%s not installed" % path
        assert stat.S_IMODE(f.stat().st_mode) == mode, "%s has mode %o" % (path, f.stat().st_mode)
    for d in ("etc/stratum/conf.d", "etc/stratum/sources.d"):
        assert (dest / d).is_dir()
    installed = {"/" + str(f.relative_to(dest)) for f in dest.rglob("*") if f.is_file()}
    assert installed == set(expected), sorted(installed ^ set(expected))
    # the installed files are the repository's, the unit naming the installed binary
    assert (dest / (p + "/share/man/man8/stratumd.8").lstrip("/")).read_bytes() == \
        (DOCS / "stratumd.8").read_bytes()
    unit = read(dest / unitdir.lstrip("/") / "stratumd.service")
    assert re.search(r"^ExecStart=%s/sbin/stratumd -n( |$)" % re.escape(p), unit, re.M), unit
    settings = [l for l in unit.splitlines() if l and not l.startswith("#")]
    assert len([l for l in settings if "/sbin/stratumd" in l]) == 1, unit
    wait = read(dest / unitdir.lstrip("/") / "stratum-wait.service")
    assert re.search(r"^ExecStart=%s/bin/stratumc .* waitsync 0 0.1 0.0 1$" % re.escape(p), wait,
                     re.M), wait


def test_make_install_strip(tmp_path):
    """install-strip installs what install does, the binaries stripped
    (as `file` sees them) and still working."""
    require_built()
    if not shutil.which("file"):
        pytest.skip("file is not installed")
    plain, stripped = tmp_path / "plain", tmp_path / "stripped"
    make_install(plain)
    make_install(stripped, target="install-strip")
    files = sorted(str(f.relative_to(plain)) for f in plain.rglob("*") if f.is_file())
    assert files == sorted(str(f.relative_to(stripped)) for f in stripped.rglob("*")
                           if f.is_file())
    binaries = ["usr/local/sbin/stratumd", "usr/local/bin/stratumc",
                "usr/local/lib/stratum/stratum-ossl.so"]
    for f in files:
        a, b = plain / f, stripped / f
        assert stat.S_IMODE(a.stat().st_mode) == stat.S_IMODE(b.stat().st_mode), f
        if f not in binaries:
            assert a.read_bytes() == b.read_bytes(), f
            continue
        described = [run(["file", "-b", x]).stdout for x in (a, b)]
        assert "ELF" in described[0] and ", not stripped" in described[0], described[0]
        assert ", stripped" in described[1] and "not stripped" not in described[1], described[1]
        assert b.stat().st_size < a.stat().st_size
        if f.endswith(".so"):
            continue
        r = run([b, "--version"])
        assert r.returncode == 0 and "version" in r.stdout, r.stdout + r.stderr


def test_make_install_keeps_an_existing_configuration(tmp_path):
    require_built()
    dest = tmp_path / "root"
    conf = dest / "etc" / "stratum" / "stratum.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("# the administrator's\nserver 192.0.2.1 iburst\n")
    make_install(dest)
    assert conf.read_text() == "# the administrator's\nserver 192.0.2.1 iburst\n"
    make_install(dest)   # twice: still fine, still untouched
    assert conf.read_text() == "# the administrator's\nserver 192.0.2.1 iburst\n"


# ------------------------------------------------------------ systemd

@pytest.mark.parametrize("prefix", [None, "/usr"])
def test_systemd_analyze_verifies_the_installed_unit(tmp_path, prefix):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed (Debian package systemd; "
                    "scripts/deps.sh test)")
    require_built()
    root = tmp_path / "root"
    make_install(root, prefix)
    base_units(root)
    p = prefix or "/usr/local"
    cmd = ["systemd-analyze", "verify", "--root=%s" % root, "stratumd.service",
           "stratum-wait.service"]
    env = dict(os.environ)
    if shutil.which("man"):
        # Documentation=man:... is checked against the installed pages
        env["MANPATH"] = str(root / p.lstrip("/") / "share" / "man")
    else:
        cmd.insert(2, "--man=no")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=CMD_TIMEOUT, env=env,
                       stdin=subprocess.DEVNULL)
    # systemd-analyze exits 0 after some complaints (a bad value is
    # "ignoring"): any output at all is a failure.
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r.stdout + r.stderr


def unit_settings():
    settings = {}
    for line in read(PACKAGING / "stratumd.service").splitlines():
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def test_unit_settings():
    s = unit_settings()
    # stratumd sends READY=1, STATUS= and STOPPING=1 (tests/system/test_notify.py).
    assert s["Type"] == ["notify"]
    assert s["NotifyAccess"] == ["main"]
    assert s["ExecStart"][0].split()[:3] == ["/usr/local/sbin/stratumd", "-n", "-U"]
    assert "-u" not in s["ExecStart"][0].split(), \
        "-u cannot work under the unit (test_u_fails_with_the_privileges_of_the_unit)"
    assert set(s["Conflicts"][0].split()) >= {"chrony.service", "systemd-timesyncd.service",
                                              "ntp.service"}
    assert s["ConditionCapability"] == ["CAP_SYS_TIME"]
    assert set(s["CapabilityBoundingSet"][0].split()) == {"CAP_SYS_TIME", "CAP_NET_BIND_SERVICE"}
    assert set(s["AmbientCapabilities"][0].split()) == {"CAP_SYS_TIME", "CAP_NET_BIND_SERVICE"}
    assert s["User"] == ["stratumd"]
    assert s["ProtectSystem"] == ["strict"]
    assert set(s["ReadWritePaths"][0].split()) == {"/var/lib/stratumd", "/run/stratumd",
                                                   "/var/log/stratumd"}
    for key in ("PrivateTmp", "ProtectHome", "ProtectKernelModules", "NoNewPrivileges"):
        assert s[key] == ["yes"], key
    assert set(s["RestrictAddressFamilies"][0].split()) == {"AF_INET", "AF_INET6", "AF_UNIX",
                                                            "AF_NETLINK"}
    assert s["SystemCallFilter"] == ["@system-service @clock"]
    # Both make adjtimex() fail: the daemon could not steer the clock.
    assert "ProtectClock" not in s and "PrivateUsers" not in s
    # The unit the sysusers.d file creates the user for.
    assert re.search(r"^u stratumd ", read(PACKAGING / "stratumd.sysusers"), re.M)


def test_u_fails_with_the_privileges_of_the_unit():
    """What the unit's comment and stratumd(8) say: started as a user with
    only the unit's capabilities, stratumd runs, but not with -u or a user
    directive (switching user needs CAP_SETUID/CAP_SETGID)."""
    stratumd = require_stratumd()
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv (util-linux) to start stratumd as another user")
    s = unit_settings()
    caps = ",".join("+" + c.lower().replace("cap_", "") for c in s["AmbientCapabilities"][0].split())
    bounding = ",".join("+" + c.lower().replace("cap_", "")
                        for c in s["CapabilityBoundingSet"][0].split())
    as_unit = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs",
               "--inh-caps=-all," + caps, "--ambient-caps=-all," + caps,
               "--bounding-set=-all," + bounding]
    daemon = [str(stratumd), "-x", "-d", "-U", "-t", "0.5", "-f", "/dev/null", "port 0", "cmdport 0",
              "bindcmdaddress /", "pidfile /", "local stratum 3"]
    r = run(as_unit + daemon)
    assert r.returncode == 0 and "stratumd exiting" in r.stderr, r.stderr
    for switch in (["-u", "nobody"], ["user nobody"]):
        r = run(as_unit + daemon + switch)
        assert r.returncode == 1, (switch, r.stderr)
        assert "Could not switch to user nobody : Operation not permitted" in r.stderr, r.stderr


def test_sysusers_and_tmpfiles_create_the_user_and_directories(tmp_path):
    for tool in ("systemd-sysusers", "systemd-tmpfiles"):
        if not shutil.which(tool):
            pytest.skip("%s is not installed (Debian package systemd)" % tool)
    if os.geteuid() != 0:
        pytest.skip("systemd-tmpfiles needs root to give the directories to stratumd")
    require_built()
    root = tmp_path / "root"
    make_install(root)
    lib = root / "usr" / "local" / "lib"
    for cmd in (["systemd-sysusers", "--root=%s" % root, str(lib / "sysusers.d" / "stratumd.conf")],
                ["systemd-tmpfiles", "--root=%s" % root, "--create",
                 str(lib / "tmpfiles.d" / "stratumd.conf")]):
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=CMD_TIMEOUT,
                           stdin=subprocess.DEVNULL)
        assert r.returncode == 0, r.stdout + r.stderr
    users = {l.split(":")[0]: l.split(":") for l in read(root / "etc" / "passwd").splitlines()}
    assert "stratumd" in users
    uid = int(users["stratumd"][2])
    assert users["stratumd"][5] == "/var/lib/stratumd"
    for d in ("var/lib/stratumd", "var/log/stratumd", "run/stratumd"):
        st = (root / d).stat()
        assert st.st_uid == uid and stat.S_IMODE(st.st_mode) == 0o750, d


def test_logrotate_sends_no_signal():
    """Nothing reopens the file (SIGHUP reloads the configuration, reopening
    no log): the rotation must copy and truncate, never signal."""
    text = read(PACKAGING / "stratumd.logrotate")
    assert "copytruncate" in text
    assert not re.search(r"^\s*(postrotate|prerotate|firstaction|lastaction)\b", text, re.M)
    assert "/var/log/stratumd/" in text


# ------------------------------------------------------------ default config

def test_default_configuration_parses_cleanly():
    stratumd = require_stratumd()
    r = subprocess.run([str(stratumd), "-p", "-f", str(PACKAGING / "stratum.conf")],
                       capture_output=True, text=True, timeout=CMD_TIMEOUT,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", "warnings for the default configuration:\n" + r.stderr
    for line in ("pool 2.debian.pool.ntp.org", "driftfile /var/lib/stratumd/drift",
                 "makestep 1 3", "rtcsync"):
        assert line in r.stdout, r.stdout


def test_default_configuration_uses_only_implemented_directives():
    implemented = {n for n, impl, _ in directive_table() if impl}
    for line in read(PACKAGING / "stratum.conf").splitlines():
        words = line.split()
        if words and words[0][0] not in "!;#%":
            assert words[0].lower() in implemented, line


def test_architecture_names_every_module_and_its_prefix():
    """docs/architecture.md's table: one row per header of src/, and every
    function a header exports starts with a prefix its row names."""
    text = read(REPO / "docs" / "architecture.md")
    rows = dict(re.findall(r"^\| `([a-z_]+/[a-z0-9_]+)\.c` \| ([^|]+) \|", text, re.M))
    headers = {str(h.relative_to(REPO / "src"))[:-2]: h for h in (REPO / "src").glob("*/*.h")}
    assert set(rows) == set(headers), "rows without a header: %s; headers without a row: %s" % (
        sorted(set(rows) - set(headers)), sorted(set(headers) - set(rows)))
    wrong = []
    for module, header in headers.items():
        prefixes = tuple(re.findall(r"`([a-z][a-z0-9_]*_)`", rows[module]))
        for name in re.findall(r"^(?!static|typedef)[a-z_][a-z_ ]*[ *]([a-z][a-z0-9_]*)\(",
                               header.read_text(), re.M):
            if not name.startswith(prefixes):
                wrong.append("%s: %s" % (module, name))
    assert not wrong, wrong
