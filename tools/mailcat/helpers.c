/*
 * helpers.c - the ":" helpers (see helpers.h): a table, one function each.
 */
#include "helpers.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"

/* The longest :sleep, so a typo cannot freeze a class for an hour. */
#define HELPER_SLEEP_MAX_SECONDS 600
/* RFC 5322 2.1.1: a message line is at most 998 characters, CR LF excluded. */
#define MESSAGE_LINE_MAX 998
/* Longest user name or password :auth takes (RFC 4616 allows 255 octets each). */
#define AUTH_FIELD_MAX 255

struct helper {
    const char *name;
    int words;                /* words it needs after its name; the last may hold spaces */
    const char *usage;
    const char *help;
    int (*run)(struct session *s, const char *args);
};

static int run_help(struct session *s, const char *args);
static int run_auth(struct session *s, const char *args);
static int run_b64(struct session *s, const char *args);
static int run_unb64(struct session *s, const char *args);
static int run_send(struct session *s, const char *args);
static int run_starttls(struct session *s, const char *args);
static int run_sleep(struct session *s, const char *args);
static int run_quit(struct session *s, const char *args);

static const struct helper helpers[] = {
    {"help", 0, ":help", "this list", run_help},
    {"auth", 3, ":auth plain|login USER PASS",
     "log in with AUTH (AUTHENTICATE in IMAP), the Base64 computed and shown", run_auth},
    {"b64", 1, ":b64 TEXT", "show TEXT in Base64 (\\0 is a NUL octet; nothing is sent)", run_b64},
    {"unb64", 1, ":unb64 TEXT", "show what Base64 TEXT decodes to (nothing is sent)", run_unb64},
    {"send", 1, ":send FILE",
     "after DATA and 354: send FILE as the message, dot-stuffed, and the final \".\"", run_send},
    {"starttls", 0, ":starttls",
     "start TLS now, after the server agreed (STARTTLS 220, STLS +OK, TAG OK)", run_starttls},
    {"sleep", 1, ":sleep SECONDS", "wait, then go on", run_sleep},
    {"quit", 0, ":quit", "close the connection and leave (QUIT is what the server gets)", run_quit},
};

#define HELPER_COUNT (sizeof helpers / sizeof helpers[0])

bool helper_is_helper(const char *line)
{
    return line[0] == ':' && line[1] != ':';
}

/* Counts the space-separated words in text. */
static int count_words(const char *text)
{
    int n = 0;
    for (const char *p = text; *p != '\0';) {
        p += strspn(p, " ");
        if (*p == '\0')
            break;
        n++;
        p += strcspn(p, " ");
    }
    return n;
}

/* Copies the next word of *text into out (cut to outlen - 1) and moves *text past it. */
static void next_word(const char **text, char *out, size_t outlen)
{
    const char *p = *text + strspn(*text, " ");
    size_t n = strcspn(p, " ");
    size_t keep = n < outlen - 1 ? n : outlen - 1;
    memcpy(out, p, keep);
    out[keep] = '\0';
    p += n;
    *text = p + strspn(p, " ");
}

int helper_run(struct session *s, const char *line)
{
    char name[16];
    const char *args = line + 1;
    next_word(&args, name, sizeof name);
    for (size_t i = 0; i < HELPER_COUNT; i++) {
        if (strcasecmp(name, helpers[i].name) != 0)
            continue;
        if (count_words(args) < helpers[i].words) {
            warnx("usage: %s", helpers[i].usage);
            return EXIT_USAGE;
        }
        return helpers[i].run(s, args);
    }
    warnx("no helper called \":%s\" (:help lists them; \"::%s\" sends \":%s\")",
          name, line + 1, line + 1);
    return EXIT_USAGE;
}

static int run_help(struct session *s, const char *args)
{
    (void)args;
    for (size_t i = 0; i < HELPER_COUNT; i++)
        display_note(&s->display, "%-28s %s", helpers[i].usage, helpers[i].help);
    display_note(&s->display, "%-28s %s", "::TEXT", "send \":TEXT\"");
    return HELPER_OK;
}

/* After a reply: HELPER_OK, or EXIT_UNEXPECTED when the server is gone. */
static int after_reply(struct session *s)
{
    return s->closed ? EXIT_UNEXPECTED : HELPER_OK;
}

/* Sends line, waits for the reply; true when it asks for the next step (334, "+ "). */
static bool send_step(struct session *s, const char *line)
{
    if (session_send(s, line, true) != 0 || session_wait_all(s) != REPLY_DONE)
        return false;
    const struct reply *r = session_last(s);
    return r != NULL && r->continuation;
}

/* "AUTH" in SMTP (RFC 4954) and POP3 (RFC 5034); "TAG AUTHENTICATE" in IMAP (RFC 9051 6.2.2). */
static void auth_command(struct session *s, const char *mechanism, const char *initial,
                         char *out, size_t outlen)
{
    char tag[REPLY_TAG_MAX] = "";
    if (s->opt->proto == REPLY_IMAP)
        session_next_tag(s, tag, sizeof tag);
    snprintf(out, outlen, "%s%s%s %s%s%s", tag, tag[0] ? " " : "",
             s->opt->proto == REPLY_IMAP ? "AUTHENTICATE" : "AUTH", mechanism,
             initial != NULL ? " " : "", initial != NULL ? initial : "");
}

/*
 * PLAIN (RFC 4616): authorization identity (empty: the same as the user),
 * NUL, user, NUL, password, in Base64, sent with the command itself (an
 * "initial response": RFC 4954 4, RFC 5034 4, RFC 4959 for IMAP).
 */
static int auth_plain(struct session *s, const char *user, const char *pass)
{
    char message[2 * AUTH_FIELD_MAX + 2], shown[8 * AUTH_FIELD_MAX + 8];
    size_t ulen = strlen(user), plen = strlen(pass);

    message[0] = '\0';
    memcpy(message + 1, user, ulen);
    message[1 + ulen] = '\0';
    memcpy(message + 2 + ulen, pass, plen);
    size_t len = 2 + ulen + plen;
    char *b64 = base64_encode(message, len);
    if (b64 == NULL)
        err(EXIT_USAGE, "out of memory");
    display_note(&s->display, "%s is Base64 for \"%s\": authorization identity (empty), "
                 "NUL, user, NUL, password (RFC 4616)", b64,
                 display_escape(message, len, shown, sizeof shown));
    char line[2 * REPLY_TAG_MAX + 4 * sizeof message];
    auth_command(s, "PLAIN", b64, line, sizeof line);
    free(b64);
    send_step(s, line);
    return after_reply(s);
}

/* Shows what a server's Base64 challenge says ("VXNlcm5hbWU6" is "Username:"). */
static void show_challenge(struct session *s)
{
    const struct reply *r = session_last(s);
    const char *challenge = strchr(r->text, ' ');
    size_t len;
    unsigned char *plain;
    char shown[REPLY_TEXT_MAX * 4];

    if (challenge == NULL || (plain = base64_decode(challenge + 1, &len)) == NULL)
        return;
    display_note(&s->display, "%s is Base64 for \"%s\"", challenge + 1,
                 display_escape((char *)plain, len, shown, sizeof shown));
    free(plain);
}

/* Sends one LOGIN step: text in Base64, with a note saying what it encodes. */
static bool login_step(struct session *s, const char *text)
{
    char *b64 = base64_encode(text, strlen(text));
    if (b64 == NULL)
        err(EXIT_USAGE, "out of memory");
    display_note(&s->display, "%s is Base64 for \"%s\"", b64, text);
    bool more = send_step(s, b64);
    free(b64);
    return more;
}

/*
 * LOGIN (draft-murchison-sasl-login): the server asks "Username:" and
 * "Password:" in Base64, the client answers each in Base64. The answers to
 * the command and the first step are 334 (or "+ ") continuations: a script
 * checks only the final reply, so those are not kept.
 */
static int auth_login(struct session *s, const char *user, const char *pass)
{
    char line[2 * REPLY_TAG_MAX];
    auth_command(s, "LOGIN", NULL, line, sizeof line);
    if (!send_step(s, line))
        return after_reply(s);
    show_challenge(s);
    session_forget_last(s);
    if (!login_step(s, user))
        return after_reply(s);
    show_challenge(s);
    session_forget_last(s);
    login_step(s, pass);
    return after_reply(s);
}

static int run_auth(struct session *s, const char *args)
{
    char mechanism[16], user[AUTH_FIELD_MAX + 1];
    next_word(&args, mechanism, sizeof mechanism);
    next_word(&args, user, sizeof user);
    const char *pass = args;   /* the rest of the line: a password may hold spaces */

    if (strlen(pass) > AUTH_FIELD_MAX) {
        warnx(":auth: a password of at most %d octets, please", AUTH_FIELD_MAX);
        return EXIT_USAGE;
    }
    if (strcasecmp(mechanism, "plain") == 0)
        return auth_plain(s, user, pass);
    if (strcasecmp(mechanism, "login") == 0)
        return auth_login(s, user, pass);
    warnx("usage: :auth plain|login USER PASS (not \"%s\")", mechanism);
    return EXIT_USAGE;
}

/* Turns \0, \n, \r, \t and \\ in text into the octets they name; returns the length. */
static size_t unescape(const char *text, char *out)
{
    size_t n = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p != '\\' || p[1] == '\0') {
            out[n++] = *p;
            continue;
        }
        switch (*++p) {
        case '0': out[n++] = '\0'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case '\\': out[n++] = '\\'; break;
        default: out[n++] = '\\'; out[n++] = *p; break;
        }
    }
    return n;
}

static int run_b64(struct session *s, const char *args)
{
    char *octets = malloc(strlen(args) + 1);
    if (octets == NULL)
        err(EXIT_USAGE, "out of memory");
    size_t len = unescape(args, octets);
    char *b64 = base64_encode(octets, len);
    if (b64 == NULL)
        err(EXIT_USAGE, "out of memory");
    display_note(&s->display, "\"%s\" in Base64: %s", args, b64);
    free(b64);
    free(octets);
    return HELPER_OK;
}

static int run_unb64(struct session *s, const char *args)
{
    size_t len;
    unsigned char *plain = base64_decode(args, &len);
    if (plain == NULL) {
        warnx(":unb64: \"%s\" is not Base64 (RFC 4648 4: A-Z a-z 0-9 + /, in groups of "
              "four, \"=\" only at the end)", args);
        return EXIT_USAGE;
    }
    char *shown = malloc(4 * len + 1);
    if (shown == NULL)
        err(EXIT_USAGE, "out of memory");
    display_note(&s->display, "%s decodes to \"%s\"", args,
                 display_escape((char *)plain, len, shown, 4 * len + 1));
    free(shown);
    free(plain);
    return HELPER_OK;
}

/* Sends one line of a file as message content, dot-stuffed (RFC 5321 4.5.2). */
static int send_content_line(struct session *s, const char *line, size_t len, unsigned long n)
{
    if (memchr(line, '\0', len) != NULL)
        display_note(&s->display, "line %lu holds a NUL octet: sent up to it "
                     "(mail is text, RFC 5322 2.1)", n);
    if (len > MESSAGE_LINE_MAX)
        display_note(&s->display, "line %lu is %zu characters long: more than the %d a "
                     "message line may have (RFC 5322 2.1.1)", n, len, MESSAGE_LINE_MAX);
    if (line[0] != '.')
        return session_send(s, line, true);
    display_note(&s->display, "line %lu starts with \".\": one more \".\" goes in front, "
                 "and the server takes it off (dot-stuffing, RFC 5321 4.5.2)", n);
    char *stuffed = malloc(len + 2);
    if (stuffed == NULL)
        err(EXIT_USAGE, "out of memory");
    stuffed[0] = '.';
    memcpy(stuffed + 1, line, len + 1);
    int rc = session_send(s, stuffed, true);
    free(stuffed);
    return rc;
}

/*
 * Sends a file as the message content of DATA: each line with CR LF
 * whatever the file used, dot-stuffed, then the "." that ends it
 * (RFC 5321 4.1.1.4), and waits for the server's verdict.
 */
static int run_send(struct session *s, const char *args)
{
    if (s->opt->proto != REPLY_SMTP || !session_in_content(s)) {
        warnx(":send sends a message's content: first DATA, and wait for 354");
        return EXIT_USAGE;
    }
    FILE *f = fopen(args, "rb");
    if (f == NULL) {
        warn(":send: cannot open %s", args);
        return EXIT_USAGE;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long n = 0;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
        n++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        rc = send_content_line(s, line, (size_t)len, n);
    }
    free(line);
    fclose(f);
    if (rc != 0 || session_send(s, ".", true) != 0)
        return EXIT_UNEXPECTED;
    session_wait_all(s);
    return after_reply(s);
}

static int run_starttls(struct session *s, const char *args)
{
    (void)args;
    if (session_start_tls(s) != 0) {
        warnx(":starttls comes after the server has agreed: STARTTLS and 220 (SMTP), "
              "STLS and +OK (POP3), TAG STARTTLS and TAG OK (IMAP)");
        return EXIT_NO_CONNECTION;
    }
    display_note(&s->display, "the server has forgotten everything said before TLS: "
                 "start again (EHLO, CAPA, CAPABILITY)");
    return HELPER_OK;
}

static int run_sleep(struct session *s, const char *args)
{
    (void)s;
    char *end;
    double seconds = strtod(args, &end);
    if (end == args || *end != '\0' || !(seconds >= 0 && seconds <= HELPER_SLEEP_MAX_SECONDS)) {
        warnx("usage: :sleep SECONDS (from 0 to %d)", HELPER_SLEEP_MAX_SECONDS);
        return EXIT_USAGE;
    }
    session_sleep(seconds);
    return HELPER_OK;
}

static int run_quit(struct session *s, const char *args)
{
    (void)args;
    display_note(&s->display, "closing the connection");
    return HELPER_QUIT;
}
