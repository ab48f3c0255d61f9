/*
 * session.c - one POP3 session, from the greeting to the goodbye.
 *
 * RFC 1939 3: the server greets ("+OK POP3 server ready"), then the
 * client sends commands, one per line, and each gets one reply that starts
 * with "+OK" or "-ERR". The loop in pop3d_session() is exactly that: greet,
 * then read a command line, let the command table answer it, and repeat
 * until the session is CLOSED.
 */
#include "pop3d.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *const state_names[] = {
    [STATE_AUTHORIZATION] = "AUTHORIZATION",
    [STATE_TRANSACTION] = "TRANSACTION",
    [STATE_UPDATE] = "UPDATE",
    [STATE_CLOSED] = "CLOSED",
};

/* The only place the state changes: the transcript shows every step. */
void session_set_state(struct session *s, enum pop3_state next)
{
    if (next != s->state)
        transcript_note(s->conn->log, "state: %s -> %s",
                        state_names[s->state], state_names[next]);
    s->state = next;
}

/*
 * Sends one reply line (at most POP3_RESPONSE_LINE_MAX octets with its
 * CRLF; ours are far shorter). Counts the -ERR ones: a client that makes
 * POP3_ERRORS_MAX mistakes is cut off (see session_loop).
 * Returns 0, or -1 when the client is gone (the session is then CLOSED).
 */
int reply(struct session *s, const char *fmt, ...)
{
    char line[POP3_RESPONSE_LINE_MAX - 2];   /* the CRLF is added when sending */
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);   /* our own texts: never truncated in practice */
    va_end(ap);
    if (strncmp(line, "-ERR", 4) == 0)
        s->errors++;
    if (conn_send_line(s->conn, line) != 0) {
        session_set_state(s, STATE_CLOSED);
        return -1;
    }
    return 0;
}

/*
 * Makes the APOP timestamp, RFC 1939 7's "<process-ID.clock@hostname>",
 * with random hex in the middle: it must differ in every greeting, or a
 * digest overheard once could be replayed.
 */
static void make_timestamp(struct session *s)
{
    unsigned char random[8];
    char hex[2 * sizeof random + 1];

    if (RAND_bytes(random, sizeof random) != 1)
        memset(random, 0, sizeof random);   /* still unique by pid and time */
    for (size_t i = 0; i < sizeof random; i++)
        snprintf(hex + 2 * i, 3, "%02x", random[i]);
    snprintf(s->timestamp, sizeof s->timestamp, "<%ld.%s.%lld@%s>", (long)getpid(), hex,
             (long long)time(NULL), s->cfg->server.domains[0]);
}

/*
 * Replies are written whole, one write each, and a pipelining client
 * (RFC 2449 6.6) may have sent many commands at once: Nagle's algorithm
 * would hold each small reply back until the last one is acknowledged.
 */
static void send_replies_at_once(struct session *s)
{
    int one = 1;
    setsockopt(s->conn->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/*
 * Answers a command line that broke the line rules. Returns true when the
 * line was bad (it has been answered), false when it can be parsed.
 */
static bool reject_bad_line(struct session *s, enum line_status st, const struct line *line)
{
    if (st == LINE_TOO_LONG) {
        reply(s, "-ERR line too long: the limit is %d octets including CRLF (RFC 2449 4)",
              POP3_COMMAND_LINE_MAX);
        return true;
    }
    if (!line->crlf) {
        /* RFC 1939 3: commands end with CRLF. */
        reply(s, "-ERR line must end with CRLF: use telnet, or nc -C "
              "(a bare LF is not a line end, RFC 1939 3)");
        return true;
    }
    if (line->has_nul || line->has_bare_cr) {
        reply(s, "-ERR commands cannot contain NUL or a bare CR");
        return true;
    }
    return false;
}

/*
 * Why the loop ended when the client did not say QUIT. RFC 1939 3: such a
 * session does not enter UPDATE, so nothing is deleted.
 */
static void end_without_quit(struct session *s, enum line_status st)
{
    if (st == LINE_TIMEOUT)
        reply(s, "-ERR autologout: no command for %d seconds, closing connection "
              "(nothing deleted)", s->conn->timeout_seconds);
    else if (st == LINE_INTERRUPTED)
        reply(s, "-ERR [SYS/TEMP] server shutting down, closing connection (nothing deleted)");
    else
        transcript_note(s->conn->log, "client closed the connection without QUIT: "
                        "nothing deleted");
    session_set_state(s, STATE_CLOSED);
}

/*
 * Shows a command line in the transcript; a password is replaced by stars,
 * and so is AUTH PLAIN's initial response, the Base64 of one. (Without TLS
 * it still crossed the network as typed: that is what STLS and APOP avoid.)
 */
static void show_command(const struct session *s, const struct line *line)
{
    char hidden[POP3_COMMAND_LINE_MAX + 64];
    int n = -1;

    if (strncasecmp(line->text, "PASS ", 5) == 0) {
        n = snprintf(hidden, sizeof hidden, "PASS ******** (sent %s; hidden here)",
                     session_tls_active(s) ? "under TLS" : "in clear");
    } else if (strncasecmp(line->text, "AUTH ", 5) == 0) {
        const char *mechanism = line->text + 5 + strspn(line->text + 5, " ");
        if (strchr(mechanism, ' ') != NULL)   /* an initial response follows */
            n = snprintf(hidden, sizeof hidden, "AUTH %.*s ******** (a password in Base64; "
                         "hidden here)", (int)strcspn(mechanism, " "), mechanism);
    }
    if (n > 0) {
        transcript_received(s->conn->log, hidden, strlen(hidden));
    } else {
        transcript_received(s->conn->log, line->text, line->len);
    }
}

/* Read a command, run it, repeat: the whole session after the greeting. */
static void session_loop(struct session *s)
{
    char buf[POP3_COMMAND_LINE_MAX + 1];
    struct line line;

    s->conn->log_lines = false;     /* show_command() shows them */
    while (s->state != STATE_CLOSED) {
        enum line_status st = conn_read_line(s->conn, buf, sizeof buf, &line);
        if (st == LINE_INTERRUPTED && !server_stopping())
            continue;
        if (st != LINE_OK && st != LINE_TOO_LONG) {
            end_without_quit(s, st);
            break;
        }
        if (st == LINE_OK)
            show_command(s, &line);
        if (!reject_bad_line(s, st, &line))
            command_dispatch(s, line.text);
        if (s->errors >= POP3_ERRORS_MAX && s->state != STATE_CLOSED) {
            reply(s, "-ERR too many errors, closing connection (nothing deleted)");
            session_set_state(s, STATE_CLOSED);
        }
    }
}

int pop3d_session(const struct server_config *server, struct conn *conn,
                  const char *peer_address, void *context)
{
    struct session s;

    (void)server;
    memset(&s, 0, sizeof s);
    s.cfg = context;
    s.conn = conn;
    s.peer_address = peer_address;
    s.state = STATE_AUTHORIZATION;
    s.drop.lock_fd = -1;
    send_replies_at_once(&s);
    make_timestamp(&s);
    reply(&s, "+OK POP3 server ready %s", s.timestamp);
    session_loop(&s);
    maildrop_close(&s.drop);   /* also releases the lock */
    return 0;
}

/* Sent by the listener when --max-sessions sessions are already running. */
void pop3d_busy(const struct server_config *server, struct conn *conn)
{
    conn_printf(conn, "-ERR [SYS/TEMP] too many sessions (limit %d), try again later",
                server->max_sessions);
}
