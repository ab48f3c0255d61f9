/*
 * script.c - script mode: run and check a session in slide notation (see script.h).
 */
#include "script.h"

#include <err.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "helpers.h"

struct script {
    struct session *s;
    const char *name;          /* the script's name, for messages */
    unsigned long lineno;      /* the line being run */
    unsigned long sent;        /* client lines sent so far */
    FILE *tty;                 /* --step: where Enter is read from */
};

/*
 * SMTP commands after which a pipelining client must wait for the replies
 * (RFC 2920 3.1), with STARTTLS and AUTH, which change the session too.
 */
static const char *const smtp_group_enders[] = {
    "EHLO", "HELO", "DATA", "VRFY", "EXPN", "TURN", "QUIT", "NOOP", "STARTTLS", "AUTH",
};

/* Says what went wrong at the current line; returns status. */
static int script_error(const struct script *sc, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int script_error(const struct script *sc, int status, const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    fflush(stdout);
    warnx("%s:%lu: %s", sc->name, sc->lineno, message);
    return status;
}

static bool ends_pipeline_group(const struct script *sc, const char *line)
{
    if (sc->s->opt->proto != REPLY_SMTP)
        return false;
    size_t n = strcspn(line, " ");
    for (size_t i = 0; i < sizeof smtp_group_enders / sizeof smtp_group_enders[0]; i++)
        if (strlen(smtp_group_enders[i]) == n && strncasecmp(line, smtp_group_enders[i], n) == 0)
            return true;
    return false;
}

/* --delay and --step: the pace of a replay in front of a class. */
static void pace(struct script *sc)
{
    if (sc->sent > 0)
        session_sleep(sc->s->opt->delay_seconds);
    if (sc->tty != NULL) {
        /* A hint on the terminal only (not in a saved transcript), taken off after Enter. */
        fputs(sc->s->opt->color ? "\033[2m[Enter]\033[0m " : "[Enter] ", sc->tty);
        fflush(sc->tty);
        int ch;
        while ((ch = getc(sc->tty)) != EOF && ch != '\n')
            ;
        fputs("\033[A\r\033[K", sc->tty);
        fflush(sc->tty);
        if (ch == EOF) {
            fclose(sc->tty);   /* no more keyboard: go on without stopping */
            sc->tty = NULL;
        }
    }
}

/* Turns a failed wait into the message for the line that caused it. */
static int wait_failed(const struct script *sc, enum reply_step step, const char *what)
{
    switch (step) {
    case REPLY_CLOSED:
        return script_error(sc, EXIT_UNEXPECTED, "%s, but the server closed the connection", what);
    case REPLY_TIMED_OUT:
        return script_error(sc, EXIT_UNEXPECTED, "%s, but no complete reply came in %d seconds",
                            what, sc->s->opt->timeout_seconds);
    default:
        return script_error(sc, EXIT_UNEXPECTED, "%s, but the reply could not be read", what);
    }
}

/* Sends one client line and, unless pipelining, waits for its reply. */
static int send_line(struct script *sc, const char *text)
{
    struct session *s = sc->s;
    bool content = session_in_content(s);

    if (!s->opt->pipeline)
        session_forget_received(s);
    pace(sc);
    if (session_send(s, text, true) != 0)
        return script_error(sc, EXIT_UNEXPECTED, "could not send this line");
    sc->sent++;
    if (s->opt->pipeline && (content || !ends_pipeline_group(sc, text)))
        return EXIT_AS_EXPECTED;
    enum reply_step step = session_wait_all(s);
    if (step != REPLY_DONE && step != REPLY_MALFORMED) {
        char what[128];
        snprintf(what, sizeof what, "\"%.60s\" was sent", text);
        return wait_failed(sc, step, what);
    }
    return EXIT_AS_EXPECTED;
}

/* True when text starts with word followed by a space or the end. */
static bool starts_with_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    return strncasecmp(text, word, n) == 0 && (text[n] == ' ' || text[n] == '\0');
}

/* Copies text into out, cut to outlen - 1 octets. */
static void copy_text(char *out, size_t outlen, const char *text)
{
    size_t n = strlen(text);
    if (n > outlen - 1)
        n = outlen - 1;
    memcpy(out, text, n);
    out[n] = '\0';
}

/*
 * Reads the status an S: line expects into status. Returns true for a line
 * that ends a reply (and is checked), false for one that does not (SMTP
 * "250-", POP3 list lines, IMAP untagged data): those are for the reader.
 * *bad is set for a line that cannot be an SMTP reply at all.
 */
static bool parse_expectation(const struct script *sc, const char *text, char *status,
                              size_t len, bool *bad)
{
    char first[REPLY_TAG_MAX], second[REPLY_STATUS_MAX];
    size_t n1 = strcspn(text, " ");
    const char *rest = text + n1 + strspn(text + n1, " ");
    snprintf(first, sizeof first, "%.*s", (int)n1, text);
    snprintf(second, sizeof second, "%.*s", (int)strcspn(rest, " "), rest);
    *bad = false;

    switch (sc->s->opt->proto) {
    case REPLY_SMTP:
        /* RFC 5321 4.2: three digits, then a space, a hyphen or the end. */
        if (strspn(text, "0123456789") != 3 || (text[3] != ' ' && text[3] != '-' && text[3] != '\0')) {
            *bad = true;
            return false;
        }
        copy_text(status, len < 4 ? len : 4, text);
        return text[3] != '-';
    case REPLY_POP3:
        if (strcmp(first, "+OK") != 0 && strcmp(first, "-ERR") != 0 && strcmp(first, "+") != 0)
            return false;
        copy_text(status, len, first);
        return true;
    case REPLY_IMAP:
        if (strcmp(first, "+") == 0 || starts_with_word(first, "OK") ||
            starts_with_word(first, "NO") || starts_with_word(first, "BAD")) {
            copy_text(status, len, first);
            return true;
        }
        if (strcmp(first, "*") == 0) {
            /* Untagged: only the greeting, before anything is sent, is a reply of its own. */
            if (sc->sent > 0 || !(starts_with_word(second, "OK") ||
                                  starts_with_word(second, "PREAUTH") ||
                                  starts_with_word(second, "BYE")))
                return false;
        } else if (!(starts_with_word(second, "OK") || starts_with_word(second, "NO") ||
                     starts_with_word(second, "BAD"))) {
            return false;
        }
        copy_text(status, len, second);
        return true;
    }
    return false;
}

/* An S: line: checks the oldest reply not yet checked, reading it if needed. */
static int check_expectation(struct script *sc, const char *text)
{
    struct session *s = sc->s;
    char expected[REPLY_STATUS_MAX];
    bool bad;

    if (!parse_expectation(sc, text, expected, sizeof expected, &bad)) {
        if (bad)
            return script_error(sc, EXIT_USAGE, "\"S: %s\" is not an SMTP reply: it starts "
                                "with a three-digit code, like \"S: 250\"", text);
        return EXIT_AS_EXPECTED;
    }
    struct reply r;
    if (!session_take_oldest(s, &r)) {
        if (session_awaited(s) == 0)
            session_await_greeting(s);   /* a reply no line asked for: read whatever comes */
        enum reply_step step = session_wait(s);
        if (step != REPLY_DONE && step != REPLY_MALFORMED) {
            char what[64];
            snprintf(what, sizeof what, "expected %s", expected);
            return wait_failed(sc, step, what);
        }
        session_take_oldest(s, &r);
    }
    bool same = s->opt->proto == REPLY_IMAP ? strcasecmp(r.status, expected) == 0
                                            : strcmp(r.status, expected) == 0;
    if (!same)
        return script_error(sc, EXIT_UNEXPECTED, "expected %s, received \"%s\"", expected, r.text);
    return EXIT_AS_EXPECTED;
}

static int run_helper(struct script *sc, const char *line)
{
    if (!sc->s->opt->pipeline)
        session_forget_received(sc->s);
    pace(sc);
    int rc = helper_run(sc->s, line);
    if (rc == HELPER_QUIT || rc == HELPER_OK)
        return rc;
    return script_error(sc, rc, "stopped at \"%s\"", line);
}

/* Runs one line of the script (its line end already taken off). */
static int run_line(struct script *sc, const char *line)
{
    const char *first = line + strspn(line, " \t");

    if (strncmp(line, "S:", 2) == 0)
        return check_expectation(sc, line[2] == ' ' ? line + 3 : line + 2);
    if (strncmp(line, "C:", 2) == 0)
        return send_line(sc, line[2] == ' ' ? line + 3 : line + 2);
    if (*first == '#')
        return EXIT_AS_EXPECTED;
    if (*first == '\0')
        return session_in_content(sc->s) ? send_line(sc, line) : EXIT_AS_EXPECTED;
    if (helper_is_helper(line))
        return run_helper(sc, line);
    return send_line(sc, line[0] == ':' ? line + 1 : line);
}

int script_run(struct session *s, FILE *in, const char *name)
{
    struct script sc = {.s = s, .name = name};
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = EXIT_AS_EXPECTED;

    if (s->opt->step && (sc.tty = fopen("/dev/tty", "r+")) == NULL) {
        warn("--step waits for Enter on the terminal, and there is none");
        return EXIT_USAGE;
    }
    /* The greeting, unless --starttls has read it: shown now, checked by the first S: line. */
    if (!s->opt->starttls) {
        session_await_greeting(s);
        session_wait_all(s);
    }
    while (rc == EXIT_AS_EXPECTED && (len = getline(&line, &cap, in)) >= 0) {
        sc.lineno++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (len > 0 && line[len - 1] == '\r')   /* a script written on Windows */
            line[--len] = '\0';
        rc = run_line(&sc, line);
    }
    free(line);
    if (rc == HELPER_QUIT)
        rc = EXIT_AS_EXPECTED;
    /* Pipelined replies nobody checked are still shown. */
    if (rc == EXIT_AS_EXPECTED && !s->closed)
        session_wait_all(s);
    if (sc.tty != NULL)
        fclose(sc.tty);
    return rc;
}
