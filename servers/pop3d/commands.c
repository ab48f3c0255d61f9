/*
 * commands.c - the POP3 command table (RFC 1939 4-7, RFC 2449 5).
 *
 * Each command has a row: its name, how many arguments it takes, a check
 * step (is it allowed in this state? if not, the check answers -ERR and
 * says what is missing) and a proceed step (do it and answer).
 * command_dispatch() finds the row, checks the argument count once for all
 * commands, and runs the two steps. Adding a command is adding a row.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pop3d.h"

/* PASS takes the rest of the line, spaces included (RFC 1939 7). */
#define ARGS_REST (-1)

struct command {
    const char *name;
    int min_args, max_args;                    /* max_args ARGS_REST: one argument, the rest of the line */
    const char *syntax;                        /* shown when the arguments are wrong */
    bool (*check)(struct session *s);          /* NULL: allowed in every state */
    void (*proceed)(struct session *s, char **argv);
};

/* --- check steps: each answers -ERR itself when the command is out of place --- */

static bool check_authorization(struct session *s)
{
    if (s->state == STATE_AUTHORIZATION)
        return true;
    reply(s, "-ERR already logged in: USER, PASS, APOP and AUTH belong to the "
          "AUTHORIZATION state (RFC 1939 4)");
    return false;
}

static bool check_pass(struct session *s)
{
    if (!check_authorization(s))
        return false;
    if (s->user[0] != '\0')
        return true;
    reply(s, "-ERR give USER first: USER name, then PASS secret");
    return false;
}

static bool check_transaction(struct session *s)
{
    if (s->state == STATE_TRANSACTION)
        return true;
    reply(s, "-ERR log in first: USER and PASS (or APOP, or AUTH); this command belongs "
          "to the TRANSACTION state (RFC 1939 5)");
    return false;
}

/* --- message numbers --- */

/*
 * Turns arg into the index of a message that exists and is not deleted
 * (RFC 1939 5: "may NOT refer to a message marked as deleted"). Returns
 * true and sets *index (0-based), or answers -ERR and returns false.
 */
static bool parse_message_number(struct session *s, const char *arg, size_t *index)
{
    const struct maildrop *d = &s->drop;
    char *end;

    errno = 0;
    unsigned long n = strtoul(arg, &end, 10);
    if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno != 0) {
        reply(s, "-ERR \"%.40s\" is not a message number: give one such as 1", arg);
        return false;
    }
    if (n == 0 || n > d->count) {
        if (d->count == 0)
            reply(s, "-ERR no such message: the maildrop is empty");
        else
            reply(s, "-ERR no such message: the messages are numbered 1 to %zu", d->count);
        return false;
    }
    if (d->messages[n - 1].deleted) {
        reply(s, "-ERR message %lu already deleted (RSET undoes DELE)", n);
        return false;
    }
    *index = n - 1;
    return true;
}

/* Parses a line count for TOP: a whole number, 0 or more. -1 when it is not one. */
static long parse_line_count(const char *arg)
{
    char *end;
    errno = 0;
    long n = strtol(arg, &end, 10);
    if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno != 0)
        return -1;
    return n;
}

/*
 * A multi-line reply (RFC 1939 3): lines collected in one buffer and sent
 * in as few writes as possible, then the terminating ".". Each line is
 * shown in the transcript. None of our listing lines starts with ".", so
 * none needs dot-stuffing.
 */
struct listing {
    struct session *s;
    char buf[16384];
    size_t len;
    bool failed;
};

static void listing_flush(struct listing *l)
{
    if (!l->failed && l->len > 0 && conn_send_raw(l->s->conn, l->buf, l->len) != 0)
        l->failed = true;
    l->len = 0;
}

static void listing_add(struct listing *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void listing_add(struct listing *l, const char *fmt, ...)
{
    char line[POP3_RESPONSE_LINE_MAX - 2];   /* the CRLF is added when sending */
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t n = strlen(line);
    transcript_sent(l->s->conn->log, line, n);
    if (l->len + n + 2 > sizeof l->buf)
        listing_flush(l);
    memcpy(l->buf + l->len, line, n);
    memcpy(l->buf + l->len + n, "\r\n", 2);
    l->len += n + 2;
}

/* Ends the listing with its "." line. Returns 0, or -1 when the client is gone. */
static int listing_end(struct listing *l)
{
    listing_add(l, ".");
    listing_flush(l);
    if (l->failed)
        session_set_state(l->s, STATE_CLOSED);
    return l->failed ? -1 : 0;
}

/* --- proceed steps: AUTHORIZATION (auth.c does the work) --- */

static void proceed_user(struct session *s, char **argv)
{
    auth_user(s, argv[0]);
}

static void proceed_pass(struct session *s, char **argv)
{
    auth_pass(s, argv[0]);
}

static void proceed_apop(struct session *s, char **argv)
{
    auth_apop(s, argv[0], argv[1]);
}

/* --- proceed steps: TRANSACTION --- */

static void proceed_stat(struct session *s, char **argv)
{
    size_t count;
    unsigned long long octets;

    (void)argv;
    maildrop_stat(&s->drop, &count, &octets);
    /* RFC 1939 5: exactly "+OK count octets"; clients parse it. */
    reply(s, "+OK %zu %llu", count, octets);
}

static void proceed_list(struct session *s, char **argv)
{
    size_t i, count;
    unsigned long long octets;

    if (argv[0] != NULL) {
        if (parse_message_number(s, argv[0], &i))
            reply(s, "+OK %zu %llu", i + 1, s->drop.messages[i].size);
        return;
    }
    maildrop_stat(&s->drop, &count, &octets);
    struct listing l = {.s = s};
    listing_add(&l, "+OK %zu messages (%llu octets)", count, octets);
    for (i = 0; i < s->drop.count; i++)
        if (!s->drop.messages[i].deleted)
            listing_add(&l, "%zu %llu", i + 1, s->drop.messages[i].size);
    listing_end(&l);
}

static void proceed_uidl(struct session *s, char **argv)
{
    size_t i;

    if (argv[0] != NULL) {
        if (parse_message_number(s, argv[0], &i))
            reply(s, "+OK %zu %s", i + 1, s->drop.messages[i].uid);
        return;
    }
    struct listing l = {.s = s};
    listing_add(&l, "+OK unique-id listing follows");
    for (i = 0; i < s->drop.count; i++)
        if (!s->drop.messages[i].deleted)
            listing_add(&l, "%zu %s", i + 1, s->drop.messages[i].uid);
    listing_end(&l);
}

/* Sends message i, or its header and body_lines lines of body (TOP); -1 sends it all. */
static void send_message(struct session *s, size_t i, long body_lines)
{
    char path[8192], status[128];
    const struct message *m = &s->drop.messages[i];

    int n = snprintf(path, sizeof path, "%s/cur/%s", s->drop.dir, m->name);
    if (n < 0 || (size_t)n >= sizeof path) {
        reply(s, "-ERR [SYS/TEMP] message %zu cannot be read now", i + 1);
        return;
    }
    if (body_lines < 0)
        snprintf(status, sizeof status, "+OK %llu octets", m->size);
    else
        snprintf(status, sizeof status, "+OK top of message %zu follows", i + 1);
    transcript_sent(s->conn->log, status, strlen(status));
    int rc = wire_send_message(s->conn, path, status, body_lines);
    if (rc == -2) {
        /* Nothing was sent yet: the file is gone (another program removed it). */
        reply(s, "-ERR [SYS/TEMP] message %zu cannot be read now", i + 1);
    } else if (rc != 0) {
        transcript_note(s->conn->log, "the client went away during RETR");
        session_set_state(s, STATE_CLOSED);
    } else {
        transcript_note(s->conn->log, "(message %zu sent, dot-stuffed)", i + 1);
        transcript_sent(s->conn->log, ".", 1);
    }
}

static void proceed_retr(struct session *s, char **argv)
{
    size_t i;
    if (parse_message_number(s, argv[0], &i))
        send_message(s, i, -1);
}

static void proceed_top(struct session *s, char **argv)
{
    size_t i;
    if (!parse_message_number(s, argv[0], &i))
        return;
    long lines = parse_line_count(argv[1]);
    if (lines < 0) {
        reply(s, "-ERR \"%.40s\" is not a number of lines: TOP message lines, as in TOP 1 10",
              argv[1]);
        return;
    }
    send_message(s, i, lines);
}

static void proceed_dele(struct session *s, char **argv)
{
    size_t i;
    if (!parse_message_number(s, argv[0], &i))
        return;
    s->drop.messages[i].deleted = true;
    /* RFC 1939 5: only marked; the UPDATE state removes it, after QUIT. */
    reply(s, "+OK message %zu deleted", i + 1);
}

static void proceed_rset(struct session *s, char **argv)
{
    size_t count;
    unsigned long long octets;

    (void)argv;
    for (size_t i = 0; i < s->drop.count; i++)
        s->drop.messages[i].deleted = false;
    maildrop_stat(&s->drop, &count, &octets);
    reply(s, "+OK maildrop has %zu messages (%llu octets)", count, octets);
}

static void proceed_noop(struct session *s, char **argv)
{
    (void)argv;
    reply(s, "+OK");
}

/* --- proceed steps: any state --- */

/*
 * RFC 2449 5: the capabilities, one per line; CAPA works before and after
 * login. The list changes with TLS: before STLS a careful server offers
 * no way to send a password in clear (no USER, no SASL PLAIN), and after
 * it, STLS is gone (RFC 2595 4).
 */
static void proceed_capa(struct session *s, char **argv)
{
    (void)argv;
    struct listing l = {.s = s};
    listing_add(&l, "+OK Capability list follows");
    listing_add(&l, "TOP");
    listing_add(&l, "UIDL");
    if (tls_stls_offered(s))
        listing_add(&l, "STLS");             /* RFC 2595 4 */
    if (auth_plaintext_allowed(s)) {
        listing_add(&l, "USER");             /* RFC 2449 6.8: USER/PASS may be used */
        listing_add(&l, "SASL PLAIN");       /* RFC 5034 6: AUTH PLAIN may be used */
    }
    listing_add(&l, "RESP-CODES");           /* RFC 2449 6.4: [IN-USE] and others */
    listing_add(&l, "AUTH-RESP-CODE");       /* RFC 3206: [AUTH], [SYS/TEMP] */
    listing_add(&l, "PIPELINING");           /* RFC 2449 6.6 */
    listing_add(&l, "EXPIRE NEVER");         /* RFC 2449 6.7: we never delete on our own */
    listing_add(&l, "IMPLEMENTATION Cartero-pop3d");
    listing_end(&l);
}

/*
 * QUIT (RFC 1939 4 and 6). In AUTHORIZATION it just says goodbye. In
 * TRANSACTION it enters UPDATE: the marked messages are removed now, and
 * only now.
 */
static void proceed_quit(struct session *s, char **argv)
{
    (void)argv;
    if (s->state == STATE_TRANSACTION) {
        session_set_state(s, STATE_UPDATE);
        size_t left = maildrop_remove_deleted(&s->drop, s->conn->log);
        maildrop_close(&s->drop);
        if (left > 0) {
            reply(s, "-ERR [SYS/TEMP] some deleted messages not removed (%zu)", left);
            session_set_state(s, STATE_CLOSED);
            return;
        }
    }
    reply(s, "+OK POP3 server signing off");
    session_set_state(s, STATE_CLOSED);
}

static const struct command commands[] = {
    {"USER", 1, 1, "USER name", check_authorization, proceed_user},
    {"PASS", 1, ARGS_REST, "PASS secret", check_pass, proceed_pass},
    {"APOP", 2, 2, "APOP name digest", check_authorization, proceed_apop},
    {"AUTH", 0, 2, "AUTH [mechanism [initial-response]]", check_authorization, sasl_proceed_auth},
    {"STLS", 0, 0, "STLS", tls_check_stls, tls_proceed_stls},
    {"STAT", 0, 0, "STAT", check_transaction, proceed_stat},
    {"LIST", 0, 1, "LIST [message]", check_transaction, proceed_list},
    {"RETR", 1, 1, "RETR message", check_transaction, proceed_retr},
    {"DELE", 1, 1, "DELE message", check_transaction, proceed_dele},
    {"NOOP", 0, 0, "NOOP", check_transaction, proceed_noop},
    {"RSET", 0, 0, "RSET", check_transaction, proceed_rset},
    {"TOP", 2, 2, "TOP message lines", check_transaction, proceed_top},
    {"UIDL", 0, 1, "UIDL [message]", check_transaction, proceed_uidl},
    {"CAPA", 0, 0, "CAPA", NULL, proceed_capa},
    {"QUIT", 0, 0, "QUIT", NULL, proceed_quit},
};

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcasecmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/*
 * Splits the text after the keyword into words separated by single or
 * repeated spaces, at most POP3_ARGUMENTS_MAX + 1 of them (one more than
 * any command takes, to notice extras). Returns how many; argv is
 * NULL-terminated.
 */
static int split_arguments(char *rest, char **argv)
{
    int argc = 0;
    char *p = rest;

    while (argc <= POP3_ARGUMENTS_MAX) {
        p += strspn(p, " ");
        if (*p == '\0')
            break;
        argv[argc++] = p;
        p += strcspn(p, " ");
        if (*p != '\0')
            *p++ = '\0';
    }
    argv[argc] = NULL;
    return argc;
}

/*
 * Splits "KEYWORD arguments" at the first space (keywords are
 * case-insensitive, RFC 1939 3), finds the keyword in the table, checks
 * the argument count and runs the check and proceed steps.
 */
void command_dispatch(struct session *s, char *line)
{
    char *argv[POP3_ARGUMENTS_MAX + 2] = {NULL};
    char *rest = strchr(line, ' ');

    if (rest != NULL)
        *rest++ = '\0';
    else
        rest = line + strlen(line);
    const struct command *cmd = find_command(line);
    if (cmd == NULL) {
        if (line[0] == '\0')
            reply(s, "-ERR empty line: type a command, such as USER bob (CAPA lists them)");
        else
            reply(s, "-ERR unknown command \"%.40s\"", line);
        return;
    }
    int argc;
    if (cmd->max_args == ARGS_REST) {
        argv[0] = rest;              /* a password may hold spaces */
        argc = rest[0] != '\0';
    } else {
        argc = split_arguments(rest, argv);
    }
    if (argc < cmd->min_args || (cmd->max_args != ARGS_REST && argc > cmd->max_args)) {
        reply(s, "-ERR syntax: %s", cmd->syntax);
        return;
    }
    if (cmd->check != NULL && !cmd->check(s))
        return;
    cmd->proceed(s, argv);
}
