/*
 * transcript.c - the -v session transcript (see transcript.h).
 */
#include "transcript.h"

#include <stdarg.h>
#include <unistd.h>

#define COLOR_CLIENT "\033[36m"   /* cyan */
#define COLOR_SERVER "\033[33m"   /* yellow */
#define COLOR_NOTE   "\033[2m"    /* dim */
#define COLOR_RESET  "\033[0m"

/* Longest part of a line we show; DATA lines can be long. */
#define TRANSCRIPT_SHOW_MAX 200

void transcript_init(struct transcript *t, FILE *out, bool enabled,
                     unsigned long session, bool local_is_server)
{
    t->out = out;
    t->enabled = enabled;
    t->session = session;
    t->local_is_server = local_is_server;
    t->color = enabled && isatty(fileno(out));
}

/* Prints "[n] " when the transcript has a session number. */
static void print_tag(const struct transcript *t)
{
    if (t->session != 0)
        fprintf(t->out, "[%lu] ", t->session);
}

/*
 * Prints text, showing control bytes as \r, \0, \xNN: what a client sent
 * must never reach the terminal as an escape sequence.
 */
static void print_escaped(const struct transcript *t, const char *line, size_t shown)
{
    for (size_t i = 0; i < shown; i++) {
        unsigned char ch = (unsigned char)line[i];
        if (ch == '\r')
            fputs("\\r", t->out);
        else if (ch == '\0')
            fputs("\\0", t->out);
        else if (ch < 0x20 && ch != '\t')
            fprintf(t->out, "\\x%02x", ch);
        else
            fputc(ch, t->out);
    }
}

/* Prints one line of protocol text, escaped, cut at TRANSCRIPT_SHOW_MAX. */
static void print_line(const struct transcript *t, const char *who,
                       const char *color, const char *line, size_t len)
{
    print_tag(t);
    if (t->color)
        fputs(color, t->out);
    fprintf(t->out, "%s: ", who);
    size_t shown = len > TRANSCRIPT_SHOW_MAX ? TRANSCRIPT_SHOW_MAX : len;
    print_escaped(t, line, shown);
    if (shown < len)
        fprintf(t->out, "... (%zu octets)", len);
    if (t->color)
        fputs(COLOR_RESET, t->out);
    fputc('\n', t->out);
    fflush(t->out);
}

void transcript_received(const struct transcript *t, const char *line, size_t len)
{
    if (!t->enabled)
        return;
    const char *who = t->local_is_server ? "C" : "S";
    print_line(t, who, t->local_is_server ? COLOR_CLIENT : COLOR_SERVER, line, len);
}

void transcript_sent(const struct transcript *t, const char *line, size_t len)
{
    if (!t->enabled)
        return;
    const char *who = t->local_is_server ? "S" : "C";
    print_line(t, who, t->local_is_server ? COLOR_SERVER : COLOR_CLIENT, line, len);
}

void transcript_note(const struct transcript *t, const char *fmt, ...)
{
    if (!t->enabled)
        return;
    va_list ap;
    print_tag(t);
    if (t->color)
        fputs(COLOR_NOTE, t->out);
    fputs("-- ", t->out);
    char note[1024];
    va_start(ap, fmt);
    int n = vsnprintf(note, sizeof note, fmt, ap);
    va_end(ap);
    if (n > 0)   /* a note may quote the client (a user name): escape it too */
        print_escaped(t, note, (size_t)n < sizeof note ? (size_t)n : sizeof note - 1);
    if (t->color)
        fputs(COLOR_RESET, t->out);
    fputc('\n', t->out);
    fflush(t->out);
}
