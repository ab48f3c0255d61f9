/*
 * tls_server.c - the server side of TLS (see tls_server.h).
 */
#include "tls_server.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/err.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "tls.h"

/* The last OpenSSL error as text, or "" (the queue is cleared). */
static void openssl_error(char *buf, size_t len)
{
    unsigned long e = ERR_get_error();
    if (e == 0)
        snprintf(buf, len, "no details");
    else
        ERR_error_string_n(e, buf, len);
    ERR_clear_error();
}

SSL_CTX *tls_server_context(const char *cert_file, const char *key_file,
                            char *err, size_t errlen)
{
    char detail[256];
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        openssl_error(detail, sizeof detail);
        snprintf(err, errlen, "cannot set up TLS: %s", detail);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS_MIN_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
        openssl_error(detail, sizeof detail);
        snprintf(err, errlen, "cannot load the certificate %s (%s): is it a PEM file? "
                 "make certs creates one", cert_file, detail);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
        openssl_error(detail, sizeof detail);
        snprintf(err, errlen, "cannot load the private key %s (%s)", key_file, detail);
        goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        ERR_clear_error();
        snprintf(err, errlen, "the key %s does not match the certificate %s",
                 key_file, cert_file);
        goto fail;
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

/*
 * Peeks at what a client sent that made the handshake fail. A TLS client
 * starts with a handshake record (byte 0x16); text means it is talking the
 * protocol in the clear.
 */
static void describe_non_tls(int fd, char *buf, size_t len)
{
    char peek[40];
    ssize_t n = recv(fd, peek, sizeof peek - 1, MSG_PEEK | MSG_DONTWAIT);
    if (n <= 0) {
        buf[0] = '\0';
        return;
    }
    size_t k = 0;
    for (ssize_t i = 0; i < n && (isprint((unsigned char)peek[i]) || peek[i] == ' '); i++)
        k++;
    peek[k] = '\0';
    if (k > 0)
        snprintf(buf, len, ": it sent \"%s\"", peek);
    else
        buf[0] = '\0';
}

/* True when the client closed the connection mid-handshake (OpenSSL 3: "unexpected eof"). */
static bool peer_closed_early(void)
{
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
    return ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
#else
    return false;
#endif
}

int tls_server_start(struct conn *c, SSL_CTX *ctx, size_t *dropped,
                     char *err, size_t errlen)
{
    size_t n = conn_discard_buffered_input(c);
    if (dropped != NULL)
        *dropped = n;
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL || SSL_set_fd(ssl, c->fd) != 1) {
        snprintf(err, errlen, "cannot start TLS: out of memory");
        SSL_free(ssl);
        return -1;
    }
    /* The handshake reads and writes with blocking calls: bound each one. */
    if (c->timeout_seconds > 0) {
        struct timeval tv = {.tv_sec = c->timeout_seconds};
        setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    errno = 0;
    int rc = SSL_accept(ssl);
    if (rc == 1) {
        c->tls = ssl;
        return 0;
    }
    int e = SSL_get_error(ssl, rc);
    char detail[256], sent[80];
    if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN || peer_closed_early()) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            snprintf(err, errlen, "TLS handshake failed: the client sent nothing for %d seconds",
                     c->timeout_seconds);
        else
            snprintf(err, errlen, "TLS handshake failed: the client closed the connection "
                     "in the middle of it");
        ERR_clear_error();
    } else {
        openssl_error(detail, sizeof detail);
        describe_non_tls(c->fd, sent, sizeof sent);
        if (strstr(detail, "wrong version number") != NULL ||
            strstr(detail, "http request") != NULL || strstr(detail, "unknown protocol") != NULL ||
            strstr(detail, "record layer failure") != NULL || strstr(detail, "packet length too long") != NULL)
            snprintf(err, errlen, "TLS handshake failed: the client did not speak TLS%s", sent);
        else
            snprintf(err, errlen, "TLS handshake failed: %s", detail);
    }
    SSL_free(ssl);
    return -1;
}

void tls_describe(const struct conn *c, char *buf, size_t len)
{
    if (c->tls == NULL) {
        snprintf(buf, len, "no TLS");
        return;
    }
    SSL *ssl = c->tls;
    snprintf(buf, len, "%s with %s", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
}
