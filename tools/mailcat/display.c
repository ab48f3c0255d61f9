/*
 * display.c - showing the session in the slides' notation (see display.h).
 */
#include "display.h"

#include <stdarg.h>
#include <string.h>

/* The same colours as lib/transcript, so a server's -v log and mailcat agree. */
#define COLOR_CLIENT "\033[36m"   /* cyan */
#define COLOR_SERVER "\033[33m"   /* yellow */
#define COLOR_NOTE   "\033[2m"    /* dim */
#define COLOR_WARN   "\033[31m"   /* red: a bare LF */
#define COLOR_RESET  "\033[0m"

char *display_escape(const char *text, size_t len, char *buf, size_t bufsize)
{
    size_t out = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        char piece[8];
        if (ch == '\0')
            strcpy(piece, "\\0");
        else if (ch == '\r')
            strcpy(piece, "\\r");
        else if (ch == '\n')
            strcpy(piece, "\\n");
        else if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            snprintf(piece, sizeof piece, "\\x%02x", ch);
        else {
            piece[0] = (char)ch;
            piece[1] = '\0';
        }
        size_t n = strlen(piece);
        if (out + n + 1 > bufsize)
            break;
        memcpy(buf + out, piece, n);
        out += n;
    }
    buf[out] = '\0';
    return buf;
}

/* Prints text with control octets escaped, straight to out (no length limit). */
static void print_escaped(FILE *out, const char *text, size_t len)
{
    char buf[64];
    for (size_t i = 0; i < len; i += 8)
        fputs(display_escape(text + i, len - i < 8 ? len - i : 8, buf, sizeof buf), out);
}

/* Prints "WHO: text" and, with show_crlf, the line end, in colour when asked. */
static void print_line(const struct display *d, const char *who, const char *color,
                       const char *text, size_t len, bool crlf)
{
    if (d->before_print != NULL)
        d->before_print();
    if (d->color)
        fprintf(d->out, COLOR_RESET "%s", color);
    fprintf(d->out, "%s: ", who);
    print_escaped(d->out, text, len);
    if (d->show_crlf) {
        if (crlf)
            fputs(d->color ? COLOR_NOTE "\\r\\n" : "\\r\\n", d->out);
        else
            fputs(d->color ? COLOR_WARN "\\n (bare LF, no CR)" : "\\n (bare LF, no CR)", d->out);
    }
    if (d->color)
        fputs(COLOR_RESET, d->out);
    fputc('\n', d->out);
    fflush(d->out);
    if (d->after_print != NULL)
        d->after_print();
}

void display_server_line(const struct display *d, const struct line *line)
{
    print_line(d, "S", COLOR_SERVER, line->text, line->len, line->crlf);
}

void display_client_line(const struct display *d, const char *text, size_t len)
{
    if (!d->quiet)
        print_line(d, "C", COLOR_CLIENT, text, len, true);
}

void display_note(const struct display *d, const char *fmt, ...)
{
    if (d->quiet)
        return;
    if (d->before_print != NULL)
        d->before_print();
    if (d->color)
        fputs(COLOR_RESET COLOR_NOTE, d->out);
    fputs("-- ", d->out);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(d->out, fmt, ap);
    va_end(ap);
    if (d->color)
        fputs(COLOR_RESET, d->out);
    fputc('\n', d->out);
    fflush(d->out);
    if (d->after_print != NULL)
        d->after_print();
}
