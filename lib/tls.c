/*
 * tls.c - TLS for a struct conn, the client side (see tls.h).
 */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

SSL_CTX *tls_client_context(const char *cafile, bool insecure, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        snprintf(err, errlen, "cannot set up TLS: %s",
                 ERR_error_string(ERR_get_error(), NULL));
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS_MIN_VERSION);
    if (SSL_CTX_set_default_verify_paths(ctx) != 1)
        ERR_clear_error();   /* no system CAs: only --cafile can vouch */
    if (cafile != NULL && SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) {
        snprintf(err, errlen, "cannot read the CA certificates in %s "
                 "(a PEM file is needed): %s", cafile,
                 ERR_reason_error_string(ERR_get_error()));
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* With SSL_VERIFY_NONE the chain is still checked; the result is kept for the summary. */
    SSL_CTX_set_verify(ctx, insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    return ctx;
}

/* Writes the one-line form of a certificate name ("CN = localhost") into buf. */
static void format_name(X509_NAME *name, char *buf, size_t len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    snprintf(buf, len, "(unknown)");
    if (bio == NULL)
        return;
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        int n = BIO_read(bio, buf, (int)len - 1);
        buf[n > 0 ? n : 0] = '\0';
    }
    BIO_free(bio);
}

/* Writes a certificate date ("Nov 26 23:56:00 2026 GMT") into buf. */
static void format_time(const ASN1_TIME *t, char *buf, size_t len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    snprintf(buf, len, "(unknown)");
    if (bio == NULL)
        return;
    if (ASN1_TIME_print(bio, t) == 1) {
        int n = BIO_read(bio, buf, (int)len - 1);
        buf[n > 0 ? n : 0] = '\0';
    }
    BIO_free(bio);
}

/* Puts a certificate verification failure (RFC 5280 path checks, RFC 6125 names) in plain words. */
static void explain_verify_error(SSL *ssl, long result, const char *host, char *err, size_t errlen)
{
    X509 *cert = SSL_get0_peer_certificate(ssl);
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    /* After a failed handshake OpenSSL keeps the chain the server sent, not its certificate. */
    if (cert == NULL && chain != NULL && sk_X509_num(chain) > 0)
        cert = sk_X509_value(chain, 0);
    char name[256] = "(none)", when[64] = "";

    switch (result) {
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        snprintf(err, errlen, "the certificate of %s is self-signed: it vouches for itself, "
                 "and no CA we trust vouches for it. For your own test server, trust it "
                 "with --cafile CERT.pem, or accept it with --insecure (never for a real server)",
                 host);
        return;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        if (cert != NULL)
            format_name(X509_get_issuer_name(cert), name, sizeof name);
        snprintf(err, errlen, "the certificate of %s was issued by \"%s\", which is not "
                 "among the CAs we trust; add that CA with --cafile FILE, or accept it with "
                 "--insecure (never for a real server)", host, name);
        return;
    case X509_V_ERR_CERT_HAS_EXPIRED:
        if (cert != NULL)
            format_time(X509_get0_notAfter(cert), when, sizeof when);
        snprintf(err, errlen, "the certificate of %s expired on %s", host, when);
        return;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        if (cert != NULL)
            format_time(X509_get0_notBefore(cert), when, sizeof when);
        snprintf(err, errlen, "the certificate of %s is not valid before %s "
                 "(is this computer's clock right?)", host, when);
        return;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        if (cert != NULL)
            format_name(X509_get_subject_name(cert), name, sizeof name);
        snprintf(err, errlen, "the certificate is not for %s (it is for \"%s\"): "
                 "connect with the name the certificate gives", host, name);
        return;
    default:
        snprintf(err, errlen, "the certificate of %s cannot be trusted: %s", host,
                 X509_verify_cert_error_string(result));
    }
}

/* Puts a handshake failure that is not about the certificate in plain words. */
static void explain_handshake_error(SSL *ssl, int rc, int saved_errno, const char *host,
                                    int timeout_seconds, char *err, size_t errlen)
{
    int kind = SSL_get_error(ssl, rc);
    unsigned long e = ERR_peek_last_error();
    int reason = ERR_GET_REASON(e);

    if (kind == SSL_ERROR_WANT_READ || kind == SSL_ERROR_WANT_WRITE ||
        (kind == SSL_ERROR_SYSCALL && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK)))
        snprintf(err, errlen, "no TLS answer from %s after %d seconds", host, timeout_seconds);
    else if (kind == SSL_ERROR_ZERO_RETURN || (kind == SSL_ERROR_SYSCALL && e == 0))
        snprintf(err, errlen, "%s closed the connection during the TLS handshake", host);
    else if (reason == SSL_R_WRONG_VERSION_NUMBER ||
             reason == SSL_R_PACKET_LENGTH_TOO_LONG)
        snprintf(err, errlen, "%s did not answer in TLS: it seems to speak in clear text "
                 "on this port (for ports 25 and 587, 110, 143 use --starttls)", host);
    else if (reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION)
        snprintf(err, errlen, "%s offers only TLS versions older than 1.2, which are no longer "
                 "safe (RFC 8996)", host);
    else
        snprintf(err, errlen, "the TLS handshake with %s failed: %s", host,
                 e != 0 ? ERR_reason_error_string(e) : strerror(saved_errno));
}

/* Sets the socket's receive timeout (0: none), so a blocked SSL_read gives up. */
static void set_receive_timeout(int fd, int seconds)
{
    struct timeval tv = {.tv_sec = seconds};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

/* Asks the library to check the name (RFC 6125) or the IP address in the certificate; sets SNI. */
static int set_expected_host(SSL *ssl, const char *host)
{
    unsigned char addr[sizeof(struct in6_addr)];
    bool is_ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;

    if (is_ip)
        return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 ? 0 : -1;
    if (SSL_set_tlsext_host_name(ssl, host) != 1)
        return -1;
    return SSL_set1_host(ssl, host) == 1 ? 0 : -1;
}

int tls_client_start(struct conn *c, SSL_CTX *ctx, const char *host,
                     size_t *dropped, char *err, size_t errlen)
{
    size_t n = conn_discard_buffered_input(c);
    if (dropped != NULL)
        *dropped = n;
    ERR_clear_error();
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL || SSL_set_fd(ssl, c->fd) != 1 || set_expected_host(ssl, host) != 0) {
        snprintf(err, errlen, "cannot set up TLS for %s: %s", host,
                 ERR_error_string(ERR_get_error(), NULL));
        SSL_free(ssl);
        return -1;
    }
    /*
     * Without auto-retry, a read that finds only a TLS 1.3 session ticket
     * returns "want read" instead of blocking for data that may never come
     * (an interactive client waits on its keyboard too); conn_read_line waits
     * again. The receive timeout bounds every blocking read.
     */
    SSL_clear_mode(ssl, SSL_MODE_AUTO_RETRY);
    set_receive_timeout(c->fd, c->timeout_seconds);

    errno = 0;
    int rc = SSL_connect(ssl);
    if (rc != 1) {
        int saved_errno = errno;
        long result = SSL_get_verify_result(ssl);
        if (result != X509_V_OK && SSL_get_verify_mode(ssl) != SSL_VERIFY_NONE)
            explain_verify_error(ssl, result, host, err, errlen);
        else
            explain_handshake_error(ssl, rc, saved_errno, host, c->timeout_seconds, err, errlen);
        SSL_free(ssl);
        ERR_clear_error();
        return -1;
    }
    c->tls = ssl;
    return 0;
}

void tls_write_summary(const struct conn *c, FILE *out)
{
    SSL *ssl = c->tls;
    if (ssl == NULL)
        return;
    fprintf(out, "TLS is on: %s, cipher %s\n", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
    X509 *cert = SSL_get0_peer_certificate(ssl);
    if (cert == NULL) {
        fprintf(out, "the server sent no certificate\n");
        return;
    }
    char name[256], from[64], until[64];
    format_name(X509_get_subject_name(cert), name, sizeof name);
    fprintf(out, "certificate subject: %s\n", name);
    format_name(X509_get_issuer_name(cert), name, sizeof name);
    fprintf(out, "issued by: %s\n", name);
    format_time(X509_get0_notBefore(cert), from, sizeof from);
    format_time(X509_get0_notAfter(cert), until, sizeof until);
    fprintf(out, "valid from %s until %s\n", from, until);

    long result = SSL_get_verify_result(ssl);
    bool insecure = SSL_get_verify_mode(ssl) == SSL_VERIFY_NONE;
    if (result == X509_V_OK)
        fprintf(out, "verification: ok (a CA we trust vouches for it, and it names this host)\n");
    else if (insecure)
        fprintf(out, "verification: FAILED (%s); going on only because of --insecure\n",
                X509_verify_cert_error_string(result));
    else
        fprintf(out, "verification: FAILED (%s)\n", X509_verify_cert_error_string(result));
}

bool tls_data_pending(struct conn *c)
{
    SSL *ssl = c->tls;
    if (ssl == NULL || SSL_pending(ssl) > 0)
        return true;
    int flags = fcntl(c->fd, F_GETFL);
    if (flags < 0 || fcntl(c->fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return true;
    char octet;
    int n = SSL_peek(ssl, &octet, 1);
    int kind = n > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl, n);
    fcntl(c->fd, F_SETFL, flags);
    ERR_clear_error();
    return kind != SSL_ERROR_WANT_READ;
}

void tls_close(struct conn *c)
{
    if (c->tls == NULL)
        return;
    SSL_shutdown(c->tls);   /* our close_notify; we do not wait for theirs */
    SSL_free(c->tls);
    c->tls = NULL;
    ERR_clear_error();
}
