/*
 * tls.h - TLS for a struct conn, with OpenSSL: the client side.
 *
 * A client makes one context (tls_client_context) and, on a connected
 * conn, runs the handshake (tls_client_start): from the first byte for
 * ports 465, 995 and 993 (RFC 8314), or after the protocol's STARTTLS
 * command (RFC 3207, RFC 2595). From then on conn_read_line and
 * conn_send_line go through TLS, and the code above them does not change.
 *
 * Verification is on unless the user asks otherwise: the server's chain must
 * lead to one of the system's CAs (or to the --cafile one), and the
 * certificate must name the host we asked for (RFC 6125). Every failure is
 * put in plain words, for a student, with what to do about it.
 */
#ifndef CARTERO_TLS_H
#define CARTERO_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <openssl/ssl.h>

#include "conn.h"

/* Nothing older: TLS 1.0 and 1.1 are deprecated (RFC 8996). */
#define TLS_MIN_VERSION TLS1_2_VERSION

/*
 * Creates a client context: TLS 1.2 or newer, the system's CAs, plus the
 * certificates in cafile (a PEM file; NULL for none). With insecure, the
 * handshake goes on whatever the certificate says (the result is still
 * checked and shown by tls_write_summary). Returns the context, which the
 * caller frees with SSL_CTX_free(), or NULL with a message in err.
 */
SSL_CTX *tls_client_context(const char *cafile, bool insecure, char *err, size_t errlen);

/*
 * Runs the client handshake on c's socket, sending host as SNI (unless it
 * is an IP address, RFC 6066 3) and checking that the certificate names
 * host. Waits at most c->timeout_seconds for the server. Any clear-text
 * input still buffered is dropped first (RFC 3207 4.2); *dropped (may be
 * NULL) says how many octets. On success c->tls holds the SSL (freed by
 * tls_close) and it returns 0; on failure -1 with a message in err that says
 * what went wrong and what to try ("the certificate is self-signed...").
 */
int tls_client_start(struct conn *c, SSL_CTX *ctx, const char *host,
                     size_t *dropped, char *err, size_t errlen);

/*
 * Writes what a student should see about the session, one fact a line:
 * protocol and cipher, the certificate's subject, issuer and validity, and
 * the verification result (saying when --insecure is what let it through).
 */
void tls_write_summary(const struct conn *c, FILE *out);

/*
 * Without blocking: processes the TLS records that have arrived and says
 * whether they hold data for the application. A TLS 1.3 session ticket
 * makes the socket readable but holds none, so a client that waits on its
 * keyboard and its socket at once asks this before it reads. True as well
 * when the peer has closed (the read then says so).
 */
bool tls_data_pending(struct conn *c);

/* Says goodbye (close_notify), frees the SSL and sets c->tls to NULL. No-op without TLS. */
void tls_close(struct conn *c);

#endif
