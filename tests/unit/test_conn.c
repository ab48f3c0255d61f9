/*
 * test_conn.c - the line reader's rules, over a real socket pair.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "conn.h"

static int peer_fd;      /* we write here what the "client" sends */
static struct conn conn;

static void open_pair(void)
{
    int fds[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
    peer_fd = fds[0];
    conn_init(&conn, fds[1], 2, NULL);
}

static void close_pair(void)
{
    close(peer_fd);
    close(conn.fd);
}

static void peer_sends(const char *bytes, size_t len)
{
    (void)!write(peer_fd, bytes, len);
}

static void test_crlf_line(void)
{
    char buf[32];
    struct line line;
    open_pair();
    peer_sends("HELO crepes.fr\r\n", 16);
    CHECK(conn_read_line(&conn, buf, sizeof buf, &line) == LINE_OK);
    CHECK(strcmp(line.text, "HELO crepes.fr") == 0);
    CHECK(line.len == 14);
    CHECK(line.crlf && !line.has_bare_cr && !line.has_nul);
    close_pair();
}

static void test_bare_lf_is_reported(void)
{
    char buf[32];
    struct line line;
    open_pair();
    peer_sends("HELO x\nNOOP\r\n", 13);
    CHECK(conn_read_line(&conn, buf, sizeof buf, &line) == LINE_OK);
    CHECK(!line.crlf);
    CHECK(strcmp(line.text, "HELO x") == 0);
    CHECK(conn_read_line(&conn, buf, sizeof buf, &line) == LINE_OK);
    CHECK(line.crlf && strcmp(line.text, "NOOP") == 0);
    close_pair();
}

static void test_bare_cr_and_nul_are_reported(void)
{
    char buf[32];
    struct line line;
    open_pair();
    peer_sends("a\rb\r\nc\0d\r\n", 10);
    CHECK(conn_read_line(&conn, buf, sizeof buf, &line) == LINE_OK);
    CHECK(line.has_bare_cr && line.crlf && line.len == 3);
    CHECK(conn_read_line(&conn, buf, sizeof buf, &line) == LINE_OK);
    CHECK(line.has_nul && line.len == 3);
    close_pair();
}

/* With a buffer of 11, a line of 10 octets (CRLF included) fits; 11 does not. */
static void test_limit_is_exact(void)
{
    char buf[11];
    struct line line;
    open_pair();
    peer_sends("12345678\r\n123456789\r\nok\r\n", 25);
    CHECK(conn_read_line(&conn, buf, sizeof buf, &line) == LINE_OK);
    CHECK(strcmp(line.text, "12345678") == 0);
    CHECK(conn_read_line(&conn, buf, sizeof buf, &line) == LINE_TOO_LONG);
    /* the rest of the long line is gone; the next line is intact */
    CHECK(conn_read_line(&conn, buf, sizeof buf, &line) == LINE_OK);
    CHECK(strcmp(line.text, "ok") == 0);
    close_pair();
}

/* A line far longer than the input buffer is dropped in constant memory. */
static void test_huge_line_is_skipped(void)
{
    char buf[16], chunk[4096];
    struct line line;
    open_pair();
    memset(chunk, 'x', sizeof chunk);
    if (fork() == 0) {
        for (int i = 0; i < 256; i++)
            peer_sends(chunk, sizeof chunk);
        peer_sends("\r\nnext\r\n", 8);
        _exit(0);
    }
    CHECK(conn_read_line(&conn, buf, sizeof buf, &line) == LINE_TOO_LONG);
    CHECK(conn_read_line(&conn, buf, sizeof buf, &line) == LINE_OK);
    CHECK(strcmp(line.text, "next") == 0);
    close_pair();
}

static void test_eof_and_timeout(void)
{
    char buf[16];
    struct line line;
    open_pair();
    conn.timeout_seconds = 1;
    CHECK(conn_read_line(&conn, buf, sizeof buf, &line) == LINE_TIMEOUT);
    peer_sends("partial", 7);
    close(peer_fd);
    CHECK(conn_read_line(&conn, buf, sizeof buf, &line) == LINE_EOF);
    close(conn.fd);
}

static void test_discard_buffered_input(void)
{
    char buf[32];
    struct line line;
    open_pair();
    peer_sends("STARTTLS\r\nMAIL FROM:<x@y>\r\n", 27);
    CHECK(conn_read_line(&conn, buf, sizeof buf, &line) == LINE_OK);
    CHECK(conn_has_buffered_input(&conn));
    CHECK(conn_discard_buffered_input(&conn) == 17);
    CHECK(!conn_has_buffered_input(&conn));
    close_pair();
}

static void test_send_line_adds_crlf(void)
{
    char got[32] = {0};
    open_pair();
    CHECK(conn_printf(&conn, "250 %s", "OK") == 0);
    CHECK(read(peer_fd, got, sizeof got - 1) == 8);
    CHECK(strcmp(got, "250 OK\r\n") == 0);
    close_pair();
}

int main(void)
{
    test_crlf_line();
    test_bare_lf_is_reported();
    test_bare_cr_and_nul_are_reported();
    test_limit_is_exact();
    test_huge_line_is_skipped();
    test_eof_and_timeout();
    test_discard_buffered_input();
    test_send_line_adds_crlf();
    return check_summary("conn");
}
