/*
 * session.c - one SMTP session, from the greeting to the goodbye.
 *
 * RFC 5321 3.1 gives the session three phases: the server's greeting (the
 * handshake), one or more mail transactions, and the closing. The loop in
 * smtpd_session() is exactly that: greet, then read a command line, let
 * the command table answer it, and repeat until QUIT.
 */
#include "smtpd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const state_names[] = {
    [STATE_CONNECTED] = "CONNECTED",
    [STATE_HELLO] = "HELLO",
    [STATE_MAIL] = "MAIL",
    [STATE_RCPT] = "RCPT",
    [STATE_REJECTED] = "REJECTED",
    [STATE_QUIT] = "QUIT",
};

const char *session_host_name(const struct session *s)
{
    return s->cfg->server.domains[0];
}

/* The only place the state changes: the transcript shows every step. */
void session_set_state(struct session *s, enum smtp_state next)
{
    if (next != s->state)
        transcript_note(s->conn->log, "state: %s -> %s",
                        state_names[s->state], state_names[next]);
    s->state = next;
}

/* Forgets the sender and the recipients (RSET, a new HELO, after DATA). */
void session_reset_transaction(struct session *s)
{
    s->sender[0] = '\0';
    s->nrecipients = 0;
    if (s->state == STATE_MAIL || s->state == STATE_RCPT)
        session_set_state(s, STATE_HELLO);
}

/*
 * Sends one reply line. Counts the 5xx ones: a client that makes
 * SMTP_ERRORS_MAX mistakes is cut off (see session_loop).
 * Returns 0, or -1 when the client is gone.
 */
int reply(struct session *s, const char *fmt, ...)
{
    char line[SMTP_LINE_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);   /* our own texts: never truncated in practice */
    va_end(ap);
    if (line[0] == '5')
        s->errors++;
    if (conn_send_line(s->conn, line) != 0) {
        session_set_state(s, STATE_QUIT);
        return -1;
    }
    return 0;
}

/*
 * The greeting (RFC 5321 3.1, 4.3.1). A client must wait for it before it
 * speaks; one that talks first is broken, or a spammer in a hurry. Then we
 * answer 554 instead of 220, and (as 3.1 says) 503 to everything but QUIT.
 */
static void greet(struct session *s)
{
    if (conn_input_pending(s->conn, s->cfg->greet_delay_ms)) {
        reply(s, "554 %s You spoke before my greeting: a client must wait for the "
              "220 line before its first command (RFC 5321 3.1). Type QUIT.",
              session_host_name(s));
        session_set_state(s, STATE_REJECTED);
        return;
    }
    reply(s, "220 %s ESMTP Cartero", session_host_name(s));
}

/*
 * Answers a command line that broke the line rules. Returns true when the
 * line was bad (it has been answered), false when it can be parsed.
 */
static bool reject_bad_line(struct session *s, enum line_status st, const struct line *line)
{
    if (st == LINE_TOO_LONG) {
        reply(s, "500 Line too long: the limit is %d octets including CRLF "
              "(RFC 5321 4.5.3.1.6)", SMTP_COMMAND_LINE_MAX);
        return true;
    }
    if (!line->crlf) {
        /* RFC 5321 2.3.8: lines end with CRLF, and a bare LF must not be taken for one. */
        reply(s, "500 Line must end with CRLF: use telnet, or nc -C "
              "(a bare LF is not a line end, RFC 5321 2.3.8)");
        return true;
    }
    if (line->has_nul || line->has_bare_cr) {
        reply(s, "500 Commands cannot contain NUL or a bare CR (RFC 5321 2.3.8)");
        return true;
    }
    return false;
}

/* Why the loop ended when the client did not say QUIT. */
static void end_without_quit(struct session *s, enum line_status st)
{
    if (st == LINE_TIMEOUT)
        reply(s, "421 %s Timeout: no command for %d seconds, closing connection",
              session_host_name(s), s->conn->timeout_seconds);
    else if (st == LINE_INTERRUPTED)
        reply(s, "421 %s Server shutting down, closing connection", session_host_name(s));
    else if (st == LINE_EOF)
        transcript_note(s->conn->log, "client closed the connection without QUIT");
    else
        transcript_note(s->conn->log, "the connection failed: %s", strerror(errno));
    session_set_state(s, STATE_QUIT);
}

/*
 * Shows a command line in the transcript, except the Base64 of a password
 * on an AUTH line: stars instead. (Without TLS it still crossed the network
 * as typed: the reason smtpd offers AUTH only after STARTTLS.)
 */
static void show_command(const struct session *s, const struct line *line)
{
    const char *mechanism = NULL;
    if (strncasecmp(line->text, "AUTH ", 5) == 0)
        mechanism = line->text + 5 + strspn(line->text + 5, " ");
    if (mechanism != NULL && strchr(mechanism, ' ') != NULL) {
        char hidden[64];
        snprintf(hidden, sizeof hidden, "AUTH %.*s ******** (hidden here)",
                 (int)strcspn(mechanism, " "), mechanism);
        transcript_received(s->conn->log, hidden, strlen(hidden));
    } else {
        transcript_received(s->conn->log, line->text, line->len);
    }
}

/* Read a command, run it, repeat: the whole session after the greeting. */
static void session_loop(struct session *s)
{
    char buf[SMTP_COMMAND_LINE_MAX + 1];
    struct line line;

    s->conn->log_lines = false;   /* show_command() shows them; DATA turns it on */
    while (s->state != STATE_QUIT) {
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
        if (s->errors >= SMTP_ERRORS_MAX && s->state != STATE_QUIT) {
            reply(s, "421 %s Too many errors, closing connection", session_host_name(s));
            session_set_state(s, STATE_QUIT);
        }
    }
}

int smtpd_session(const struct server_config *server, struct conn *conn,
                  const char *peer_address, void *context)
{
    struct session s;

    memset(&s, 0, sizeof s);
    s.cfg = context;
    s.conn = conn;
    s.peer_address = peer_address;
    s.state = STATE_CONNECTED;
    (void)server;
    greet(&s);
    session_loop(&s);
    return 0;
}

/* Sent by the listener when --max-sessions sessions are already running. */
void smtpd_busy(const struct server_config *server, struct conn *conn)
{
    conn_printf(conn, "421 %s Too many sessions (limit %d), try again later",
                server->domains[0], server->max_sessions);
}
