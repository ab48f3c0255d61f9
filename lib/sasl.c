/*
 * sasl.c - SASL PLAIN (see sasl.h).
 */
#include "sasl.h"

bool sasl_plain_split(char *msg, size_t len, char *field[3])
{
    int n = 0;
    size_t start = 0;
    /* Every NUL, and the end, closes a field. */
    for (size_t i = 0; i <= len; i++) {
        if (i < len && msg[i] != '\0')
            continue;
        if (n == 3)
            return false;
        field[n++] = msg + start;
        start = i + 1;
    }
    return n == 3;
}
