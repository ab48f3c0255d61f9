/*
 * test_reply.c - unit tests for lib/reply: where a server's reply ends, in
 * SMTP, POP3 and IMAP, line by line (reply_feed) and over a socket
 * (reply_read). CHECK (check.h) reports each failed check; the last line
 * is the summary "N passed, N failed".
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "conn.h"
#include "reply.h"

/*
 * Feeds the lines of a reply (each a C string, CRLF-ended on the wire) to a
 * parser waiting for what `command` expects; returns the step of the last
 * line fed, and in *fed how many lines were fed before the reply ended.
 */
static enum reply_step feed_lines(struct reply *r, enum reply_proto proto, const char *command,
                                  const char *const *lines, size_t *fed)
{
    struct reply_expect e;
    if (command == NULL)
        reply_expect_greeting(&e, proto);
    else
        reply_expect_for(&e, proto, command);
    reply_begin(r, &e);
    enum reply_step step = REPLY_MORE;
    for (*fed = 0; lines[*fed] != NULL; ) {
        const char *l = lines[(*fed)++];
        step = reply_feed(r, l, strlen(l), 2);
        if (step != REPLY_MORE)
            break;
    }
    return step;
}

static void test_smtp(void)
{
    struct reply r;
    size_t fed;

    const char *greeting[] = {"220 hamburger.edu ESMTP Cartero", NULL};
    CHECK(feed_lines(&r, REPLY_SMTP, NULL, greeting, &fed) == REPLY_DONE);
    CHECK(r.code == 220 && strcmp(r.status, "220") == 0 && !r.continuation);

    /* RFC 5321 4.2.1: "250-" goes on; the "250 " line is the last; what follows is not read. */
    const char *ehlo[] = {"250-hamburger.edu", "250-PIPELINING", "250-STARTTLS",
                          "250 HELP", "221 next reply", NULL};
    CHECK(feed_lines(&r, REPLY_SMTP, "EHLO crepes.fr", ehlo, &fed) == REPLY_DONE);
    CHECK(fed == 4 && r.code == 250 && strcmp(r.text, "250 HELP") == 0);

    const char *bare_code[] = {"250", NULL};
    CHECK(feed_lines(&r, REPLY_SMTP, "NOOP", bare_code, &fed) == REPLY_DONE && r.code == 250);

    const char *data[] = {"354 Enter mail, end with \".\" on a line by itself", NULL};
    CHECK(feed_lines(&r, REPLY_SMTP, "DATA", data, &fed) == REPLY_DONE);
    CHECK(r.continuation && reply_is_positive(&r));

    const char *auth[] = {"334 VXNlcm5hbWU6", NULL};
    CHECK(feed_lines(&r, REPLY_SMTP, "AUTH LOGIN", auth, &fed) == REPLY_DONE && r.continuation);

    const char *refused[] = {"550 5.1.1 no such user", NULL};
    CHECK(feed_lines(&r, REPLY_SMTP, "RCPT TO:<x@y>", refused, &fed) == REPLY_DONE);
    CHECK(!reply_is_positive(&r) && r.code == 550);

    const char *not_smtp[] = {"+OK POP3 server ready", NULL};
    CHECK(feed_lines(&r, REPLY_SMTP, NULL, not_smtp, &fed) == REPLY_MALFORMED);
    CHECK(strcmp(r.status, "+OK") == 0 && strcmp(r.text, "+OK POP3 server ready") == 0);

    const char *glued[] = {"250x", NULL};
    CHECK(feed_lines(&r, REPLY_SMTP, "NOOP", glued, &fed) == REPLY_MALFORMED);

    const char *short_line[] = {"25", NULL};
    CHECK(feed_lines(&r, REPLY_SMTP, "NOOP", short_line, &fed) == REPLY_MALFORMED);
}

static void test_pop3(void)
{
    struct reply r;
    size_t fed;

    const char *greeting[] = {"+OK POP3 server ready", NULL};
    CHECK(feed_lines(&r, REPLY_POP3, NULL, greeting, &fed) == REPLY_DONE);
    CHECK(strcmp(r.status, "+OK") == 0 && reply_is_positive(&r));

    /* RFC 1939 5: LIST with no argument is multi-line, up to a lone ".". */
    const char *list[] = {"+OK 2 messages", "1 498", "2 912", ".", "+OK next", NULL};
    CHECK(feed_lines(&r, REPLY_POP3, "list", list, &fed) == REPLY_DONE);
    CHECK(fed == 4 && strcmp(r.text, "+OK 2 messages") == 0);

    /* With an argument it is one line. */
    const char *list_one[] = {"+OK 1 498", "+OK next", NULL};
    CHECK(feed_lines(&r, REPLY_POP3, "LIST 1", list_one, &fed) == REPLY_DONE && fed == 1);

    const char *uidl_one[] = {"+OK 1 abc", NULL};
    CHECK(feed_lines(&r, REPLY_POP3, "UIDL 1", uidl_one, &fed) == REPLY_DONE && fed == 1);

    /* A body whose lines look like status lines, or start with a (stuffed) dot. */
    const char *retr[] = {"+OK 120 octets", "Subject: hi", "", "-ERR is just text here",
                          "+OK too", "..", "...dots", ".", NULL};
    CHECK(feed_lines(&r, REPLY_POP3, "RETR 1", retr, &fed) == REPLY_DONE);
    CHECK(fed == 8 && strcmp(r.status, "+OK") == 0);

    const char *top[] = {"+OK", "Subject: hi", ".", NULL};
    CHECK(feed_lines(&r, REPLY_POP3, "top 1 0", top, &fed) == REPLY_DONE && fed == 3);

    const char *capa[] = {"+OK Capability list follows", "USER", "STLS", ".", NULL};
    CHECK(feed_lines(&r, REPLY_POP3, "CAPA", capa, &fed) == REPLY_DONE && fed == 4);

    /* An error to a multi-line command has no body (RFC 1939 3). */
    const char *no_such[] = {"-ERR no such message", "+OK next", NULL};
    CHECK(feed_lines(&r, REPLY_POP3, "RETR 9", no_such, &fed) == REPLY_DONE);
    CHECK(fed == 1 && strcmp(r.status, "-ERR") == 0 && !reply_is_positive(&r));

    const char *dele[] = {"+OK message 1 deleted", NULL};
    CHECK(feed_lines(&r, REPLY_POP3, "dele 1", dele, &fed) == REPLY_DONE && fed == 1);

    /* RFC 5034 4: "+ " asks for the next SASL step. */
    const char *sasl[] = {"+ VXNlcm5hbWU6", NULL};
    CHECK(feed_lines(&r, REPLY_POP3, "AUTH LOGIN", sasl, &fed) == REPLY_DONE);
    CHECK(r.continuation && strcmp(r.status, "+") == 0);

    const char *smtp_like[] = {"220 hello", NULL};
    CHECK(feed_lines(&r, REPLY_POP3, NULL, smtp_like, &fed) == REPLY_MALFORMED);

    const char *okay[] = {"+OKAY", NULL};
    CHECK(feed_lines(&r, REPLY_POP3, "NOOP", okay, &fed) == REPLY_MALFORMED);
}

static void test_imap(void)
{
    struct reply r;
    size_t fed;

    const char *greeting[] = {"* OK IMAP4rev1 Cartero ready", NULL};
    CHECK(feed_lines(&r, REPLY_IMAP, NULL, greeting, &fed) == REPLY_DONE);
    CHECK(strcmp(r.status, "OK") == 0 && reply_is_positive(&r));

    const char *preauth[] = {"* PREAUTH logged in as bob", NULL};
    CHECK(feed_lines(&r, REPLY_IMAP, NULL, preauth, &fed) == REPLY_DONE);
    CHECK(strcmp(r.status, "PREAUTH") == 0);

    struct reply_expect e;
    reply_expect_for(&e, REPLY_IMAP, "a2 SELECT INBOX");
    CHECK(strcmp(e.tag, "a2") == 0);

    /* Untagged lines, then the tagged completion (RFC 9051 2.2.2). */
    const char *select[] = {"* 2 EXISTS", "* FLAGS (\\Seen)", "* OK [UIDVALIDITY 1]",
                            "a2 OK [READ-WRITE] SELECT completed", "* 3 EXISTS", NULL};
    CHECK(feed_lines(&r, REPLY_IMAP, "a2 SELECT INBOX", select, &fed) == REPLY_DONE);
    CHECK(fed == 4 && strcmp(r.status, "OK") == 0);

    const char *login_no[] = {"a1 NO [AUTHENTICATIONFAILED] wrong", NULL};
    CHECK(feed_lines(&r, REPLY_IMAP, "a1 LOGIN bob x", login_no, &fed) == REPLY_DONE);
    CHECK(strcmp(r.status, "NO") == 0 && !reply_is_positive(&r));

    /* Another tag's completion is not ours (a pipelined command). */
    const char *other[] = {"a1 OK done", "a2 BAD what?", NULL};
    CHECK(feed_lines(&r, REPLY_IMAP, "a2 FOO", other, &fed) == REPLY_DONE);
    CHECK(fed == 2 && strcmp(r.status, "BAD") == 0);

    /* A literal's octets are never responses, even "a3 OK fake" (RFC 9051 4.3). */
    const char *fetch[] = {"* 1 FETCH (BODY[] {24}", "Subject: x", "a3 OK fake", ")",
                           "a3 OK FETCH completed", NULL};
    CHECK(feed_lines(&r, REPLY_IMAP, "a3 FETCH 1 BODY[]", fetch, &fed) == REPLY_DONE);
    CHECK(fed == 5 && strcmp(r.text, "a3 OK FETCH completed") == 0);

    /* A literal that ends inside a line; the rest of that line announces another. */
    const char *two[] = {"* 1 FETCH (BODY[1] {3}", "a4 X BODY[2] {12}", "a4 OK fake",
                         ")", "a4 OK done", NULL};
    CHECK(feed_lines(&r, REPLY_IMAP, "a4 FETCH 1 (BODY[1] BODY[2])", two, &fed) == REPLY_DONE);
    CHECK(fed == 5 && strcmp(r.text, "a4 OK done") == 0);

    /* A literal counts bare-LF lines as one octet shorter. */
    struct reply_expect e5;
    reply_expect_for(&e5, REPLY_IMAP, "a5 FETCH 1 BODY[]");
    reply_begin(&r, &e5);
    CHECK(reply_feed(&r, "* 1 FETCH (BODY[] {4}", 21, 2) == REPLY_MORE);
    CHECK(reply_feed(&r, "abc", 3, 1) == REPLY_MORE);          /* "abc\n": the whole literal */
    CHECK(reply_feed(&r, ")", 1, 2) == REPLY_MORE);
    CHECK(reply_feed(&r, "a5 OK done", 10, 2) == REPLY_DONE);

    const char *idle[] = {"+ idling", NULL};
    CHECK(feed_lines(&r, REPLY_IMAP, "a6 IDLE", idle, &fed) == REPLY_DONE);
    CHECK(r.continuation && strcmp(r.status, "+") == 0);

    const char *bad_status[] = {"a7 MAYBE later", NULL};
    CHECK(feed_lines(&r, REPLY_IMAP, "a7 NOOP", bad_status, &fed) == REPLY_MALFORMED);

    const char *lone_word[] = {"garbage", NULL};
    CHECK(feed_lines(&r, REPLY_IMAP, "a8 NOOP", lone_word, &fed) == REPLY_MALFORMED);
}

/* Counts the lines reply_read() hands to its callback. */
static void count_line(void *arg, const struct line *line)
{
    (void)line;
    (*(int *)arg)++;
}

/* reply_read over a socket: stops at the end of the reply, leaves the next one buffered. */
static void test_read_over_socket(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        perror("socketpair");
        check_failed++;
        return;
    }
    const char *wire = "250-hamburger.edu\r\n250 HELP\r\n221 bye\r\n";
    CHECK(write(sv[1], wire, strlen(wire)) == (ssize_t)strlen(wire));

    struct conn c;
    conn_init(&c, sv[0], 5, NULL);
    static char buf[REPLY_LINE_MAX];
    struct reply_expect e;
    struct reply r;
    int lines = 0;

    reply_expect_for(&e, REPLY_SMTP, "EHLO crepes.fr");
    CHECK(reply_read(&c, &e, &r, buf, sizeof buf, count_line, &lines) == REPLY_DONE);
    CHECK(lines == 2 && r.code == 250);
    CHECK(conn_has_buffered_input(&c));

    reply_expect_for(&e, REPLY_SMTP, "QUIT");
    CHECK(reply_read(&c, &e, &r, buf, sizeof buf, NULL, NULL) == REPLY_DONE && r.code == 221);

    /* The server goes away in the middle of a multi-line reply. */
    const char *cut = "+OK\r\n1 498\r\n";
    CHECK(write(sv[1], cut, strlen(cut)) == (ssize_t)strlen(cut));
    close(sv[1]);
    reply_expect_for(&e, REPLY_POP3, "LIST");
    CHECK(reply_read(&c, &e, &r, buf, sizeof buf, NULL, NULL) == REPLY_CLOSED);
    close(sv[0]);
}

/* Nothing arrives: the wait ends after the connection's timeout. */
static void test_read_timeout(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        perror("socketpair");
        check_failed++;
        return;
    }
    struct conn c;
    conn_init(&c, sv[0], 1, NULL);
    static char buf[REPLY_LINE_MAX];
    struct reply_expect e;
    struct reply r;
    reply_expect_greeting(&e, REPLY_IMAP);
    CHECK(reply_read(&c, &e, &r, buf, sizeof buf, NULL, NULL) == REPLY_TIMED_OUT);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    test_smtp();
    test_pop3();
    test_imap();
    test_read_over_socket();
    test_read_timeout();
    /* The summary alone on the last line, as scripts/run-tests.sh reads it. */
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}
