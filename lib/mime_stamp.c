/*
 * mime_stamp.c - Date and Message-ID for new messages (see mime_stamp.h).
 */
#include "mime_stamp.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The most bytes mime_random_hex() gives. */
#define RANDOM_BYTES_MAX 32

/* Fills buf with n random bytes: /dev/urandom, or else the time and the
 * process ID stirred. */
static void random_bytes(unsigned char *buf, size_t n)
{
    static unsigned long long state;
    FILE *f = fopen("/dev/urandom", "rb");

    if (f && fread(buf, 1, n, f) == n) {
        fclose(f);
        return;
    }
    if (f)
        fclose(f);
    state ^= (unsigned long long)time(NULL) << 20 ^ (unsigned long long)getpid();
    for (size_t i = 0; i < n; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        buf[i] = (unsigned char)(state >> 56);
    }
}

void mime_random_hex(char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char r[RANDOM_BYTES_MAX];

    if (n > RANDOM_BYTES_MAX)
        n = RANDOM_BYTES_MAX;
    random_bytes(r, n);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
    }
    out[2 * n] = '\0';
}

int mime_date_now(char buf[MIME_DATE_SIZE])
{
    static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
                                        "Fri", "Sat" };
    static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
                                          "Jun", "Jul", "Aug", "Sep", "Oct",
                                          "Nov", "Dec" };
    time_t now = time(NULL);
    struct tm tm;
    char zone[8];
    int n;

    if (!localtime_r(&now, &tm) || strftime(zone, sizeof zone, "%z", &tm) == 0)
        return -1;
    n = snprintf(buf, MIME_DATE_SIZE, "%s, %d %s %d %02d:%02d:%02d %s",
                 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
                 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, zone);
    return n < 0 || n >= MIME_DATE_SIZE ? -1 : 0;
}

void mime_host_name(char *host, size_t size)
{
    if (gethostname(host, size) != 0 || memchr(host, '\0', size) == NULL ||
        host[0] == '\0' || host[0] == '.' || host[strlen(host) - 1] == '.' ||
        strstr(host, "..") ||
        strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789.-") != strlen(host))
        snprintf(host, size, "localhost");
}

void mime_message_id_make(char buf[MIME_MESSAGE_ID_SIZE])
{
    char host[MIME_HOST_NAME_SIZE];
    char random[2 * 8 + 1];

    mime_host_name(host, sizeof host);
    mime_random_hex(random, 8);
    /* Cannot be cut: the host name is shorter than MIME_HOST_NAME_SIZE. */
    snprintf(buf, MIME_MESSAGE_ID_SIZE, "<%lld.%ld.%s@%s>", (long long)time(NULL),
             (long)getpid(), random, host);
}
