/*
 * base64.c - Base64 for protocol use (see base64.h).
 */
#include "base64.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

char *base64_encode(const void *data, size_t len)
{
    /* Every 3 octets become 4 characters, the last group padded with "=". */
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out == NULL)
        return NULL;
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

unsigned char *base64_decode(const char *text, size_t *len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(text);

    /* RFC 4648 4: groups of 4; "=" only at the end, at most two. */
    if (n % 4 != 0)
        return NULL;
    size_t pad = 0;
    while (pad < 2 && pad < n && text[n - 1 - pad] == '=')
        pad++;
    for (size_t i = 0; i < n - pad; i++)
        if (text[i] == '\0' || strchr(alphabet, text[i]) == NULL)
            return NULL;
    unsigned char *out = malloc(n / 4 * 3 + 1);
    if (out == NULL)
        return NULL;
    int got = EVP_DecodeBlock(out, (const unsigned char *)text, (int)n);
    if (got < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts the padding as zero octets: take them off. */
    *len = (size_t)got - pad;
    out[*len] = '\0';
    return out;
}
