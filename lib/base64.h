/*
 * base64.h - Base64 (RFC 4648 4) for the protocols: AUTH in SMTP and POP3,
 * mailcat's helpers. On OpenSSL's EVP_EncodeBlock and EVP_DecodeBlock,
 * which every program links anyway. (tools/b64 is the program that teaches
 * the encoding itself, byte by byte.)
 */
#ifndef CARTERO_BASE64_H
#define CARTERO_BASE64_H

#include <stddef.h>

/* Returns the Base64 of data[0 .. len), NUL-terminated, in memory the caller frees; NULL: no memory. */
char *base64_encode(const void *data, size_t len);

/*
 * Decodes text (no spaces or line breaks; padding required). Returns the
 * octets in memory the caller frees (NUL-terminated for convenience) and
 * their count in *len, or NULL when text is not Base64 (or no memory).
 */
unsigned char *base64_decode(const char *text, size_t *len);

#endif
