/*
 * sasl.h - the PLAIN mechanism of SASL (RFC 4616), shared by AUTH PLAIN
 * in SMTP (RFC 4954) and in POP3 (RFC 5034).
 *
 * The client sends one message, in Base64:
 *     authorization-id NUL user NUL password
 * ("\0bob\0hungry" is bob with password hungry, acting as himself).
 */
#ifndef CARTERO_SASL_H
#define CARTERO_SASL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Splits a decoded PLAIN message of len octets into its three fields, in
 * place: field[0] the authorization id ("" = the user himself), field[1]
 * the user, field[2] the password, each NUL-terminated inside msg (msg[len]
 * must be a NUL, as base64_decode leaves it). False when msg does not hold
 * exactly three fields.
 */
bool sasl_plain_split(char *msg, size_t len, char *field[3]);

#endif
