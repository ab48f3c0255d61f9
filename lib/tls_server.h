/*
 * tls_server.h - TLS for a struct conn, with OpenSSL: the server side.
 *
 * A server loads its certificate and key once (tls_server_context) and,
 * in a session, runs the handshake (tls_server_start): right after accept
 * for implicit TLS (ports 465, 995, 993; RFC 8314), or after answering the
 * protocol's STARTTLS/STLS command (RFC 3207, RFC 2595). From then on
 * conn_read_line and conn_send_line go through TLS.
 */
#ifndef CARTERO_TLS_SERVER_H
#define CARTERO_TLS_SERVER_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "conn.h"

/*
 * Creates a server context from a PEM certificate (chain) file and its
 * private key: TLS 1.2 or newer. Returns it, or NULL with a message in err
 * that names the file and the problem ("the key does not match the
 * certificate").
 */
SSL_CTX *tls_server_context(const char *cert_file, const char *key_file,
                            char *err, size_t errlen);

/*
 * Runs the server handshake on c. Input still buffered from before the
 * handshake is thrown away first, never read as if it had come over TLS
 * (RFC 3207 4.2; the CVE-2011-0411 class); *dropped (may be NULL) says how
 * many octets. Waits at most c->timeout_seconds for the client. Returns 0
 * (c->tls is then set), or -1 with a line a person understands in err
 * ("the client did not speak TLS: it sent \"EHLO x\"").
 */
int tls_server_start(struct conn *c, SSL_CTX *ctx, size_t *dropped,
                     char *err, size_t errlen);

/* "TLSv1.3 with TLS_AES_256_GCM_SHA384", for logs and Received lines. */
void tls_describe(const struct conn *c, char *buf, size_t len);

#endif
