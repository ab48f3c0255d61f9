/*
 * mime_stamp.h - what a new message is stamped with: its Date (RFC 5322
 * 3.6.1) and its Message-ID (RFC 5322 3.6.4). mime build writes both into
 * every message; mailsend adds them to a message that lacks them, as a
 * submission agent may (RFC 6409 8.2, 8.3).
 */
#ifndef CARTERO_MIME_STAMP_H
#define CARTERO_MIME_STAMP_H

#include <stddef.h>

/* "Tue, 14 Jan 2025 10:00:00 +0100" is 31 characters; room to spare. */
#define MIME_DATE_SIZE 48

/* POSIX: HOST_NAME_MAX is at least 255; one more byte for the NUL. */
#define MIME_HOST_NAME_SIZE 256

/* "<" time "." pid "." 16 hex digits "@" host ">": 20 + 20 + 16 + 4. */
#define MIME_MESSAGE_ID_SIZE (MIME_HOST_NAME_SIZE + 64)

/*
 * Writes the date-time of now (RFC 5322 3.3) into buf, in English whatever
 * the locale, with the local zone: "Tue, 14 Jan 2025 10:00:00 +0100".
 * Returns 0, or -1 if the clock cannot be read.
 */
int mime_date_now(char buf[MIME_DATE_SIZE]);

/* Writes a new msg-id, "<time.pid.random@host>", unique worldwide. */
void mime_message_id_make(char buf[MIME_MESSAGE_ID_SIZE]);

/* Writes this host's name into host (size bytes) if it is a dot-atom
 * (RFC 5322 3.6.4, and a domain for EHLO), else "localhost". */
void mime_host_name(char *host, size_t size);

/* Writes n random bytes (n <= 32) as 2n lower-case hex digits and a NUL
 * into out: from /dev/urandom, or else the time and the process ID
 * stirred (enough for unique boundaries and IDs, not for secrets). */
void mime_random_hex(char *out, size_t n);

#endif
