/*
 * interactive.c - the readline prompt (see interactive.h).
 *
 * readline's callback interface lets one loop wait on the keyboard and the
 * server at once: select(2) on both, then either rl_callback_read_char()
 * (which calls on_line() when a line is complete) or read what the server
 * sent. The callbacks take no argument, so the one session they serve is
 * kept in `ia` below: the only file-level state in mailcat, by necessity.
 */
#include "interactive.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "helpers.h"

#define HISTORY_FILE ".mailcat_history"   /* in $HOME */
#define HISTORY_MAX 1000                   /* lines kept in it */

/* "C: " in cyan, left on so that what is typed is cyan too; \001 \002 tell readline it takes no room. */
#define PROMPT_COLOR "\001\033[0;36m\002C: "
#define PROMPT_PLAIN "C: "
#define PROMPT_WIDTH 3
#define COLOR_RESET "\033[0m"

static struct {
    struct session *s;
    bool handler_installed;   /* readline owns the bottom line */
    bool prompt_shown;        /* ...and the prompt is on it, waiting for keys */
    bool done;
    int status;               /* the exit status once done */
    char *saved_text;         /* what was typed, while a server line is printed */
    int saved_point;
    char history_path[PATH_MAX];
} ia;

/* display hooks: take the prompt and half-typed line off the screen, and put them back. */
static void hide_prompt(void)
{
    if (!ia.prompt_shown)
        return;
    ia.saved_point = rl_point;
    ia.saved_text = rl_copy_text(0, rl_end);
    rl_save_prompt();
    rl_replace_line("", 0);
    rl_redisplay();
}

static void show_prompt(void)
{
    if (!ia.prompt_shown)
        return;
    rl_restore_prompt();
    rl_replace_line(ia.saved_text != NULL ? ia.saved_text : "", 0);
    rl_point = ia.saved_point;
    rl_redisplay();
    free(ia.saved_text);
    ia.saved_text = NULL;
}

/* --- history ------------------------------------------------------------- */

/* Reads ~/.mailcat_history, creating it private: PASS lines and :auth lines end up there. */
static void open_history(void)
{
    const char *home = getenv("HOME");
    ia.history_path[0] = '\0';
    if (home == NULL || home[0] == '\0')
        return;
    int n = snprintf(ia.history_path, sizeof ia.history_path, "%s/%s", home, HISTORY_FILE);
    if (n < 0 || (size_t)n >= sizeof ia.history_path) {
        ia.history_path[0] = '\0';
        return;
    }
    int fd = open(ia.history_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        warn("cannot keep history in %s", ia.history_path);
        ia.history_path[0] = '\0';
        return;
    }
    close(fd);
    read_history(ia.history_path);
}

/* Adds line to the history (not a repeat of the last one) and appends it to the file at once. */
static void remember(const char *line)
{
    if (line[0] == '\0')
        return;
    HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
    if (last != NULL && strcmp(last->line, line) == 0)
        return;
    add_history(line);
    if (ia.history_path[0] != '\0')
        append_history(1, ia.history_path);
}

static void close_history(void)
{
    if (ia.history_path[0] != '\0')
        history_truncate_file(ia.history_path, HISTORY_MAX);
}

/* --- lines --------------------------------------------------------------- */

static void finish(int status)
{
    ia.done = true;
    ia.status = status;
    if (ia.prompt_shown) {
        hide_prompt();          /* leave no "C: " behind on the screen */
        free(ia.saved_text);
        ia.saved_text = NULL;
        ia.prompt_shown = false;
    }
    if (ia.handler_installed) {
        rl_callback_handler_remove();
        ia.handler_installed = false;
    }
}

/* Takes the line just typed (after its "C: " prompt) off the terminal. */
static void erase_typed_line(const char *line)
{
    int rows = 0, cols = 0;
    rl_get_screen_size(&rows, &cols);
    int used = cols > 0 ? (int)((PROMPT_WIDTH + strlen(line)) / (size_t)cols) + 1 : 1;
    printf("\033[%dA\r\033[J", used);
}

/*
 * The typed line is on the screen already, after the "C: " prompt. When
 * its line end must show (--show-crlf), it is taken off and printed again
 * by display. Returns whether display should print it.
 */
static bool prepare_echo(const char *line)
{
    if (!isatty(STDOUT_FILENO))
        return true;            /* a log file gets every C: line */
    if (!ia.s->opt->show_crlf)
        return false;
    erase_typed_line(line);
    return true;
}

/* A helper is not sent: on a terminal its line loses the "C: " it was typed after. */
static void echo_helper(const char *line)
{
    if (!isatty(STDOUT_FILENO))
        return;
    erase_typed_line(line);
    printf("%s%s%s\n", ia.s->display.color ? "\033[2m" : "", line,
           ia.s->display.color ? COLOR_RESET : "");
}

/* Runs one typed line: a helper, or a line for the server and its reply. */
static void run_typed_line(const char *line)
{
    struct session *s = ia.s;

    if (helper_is_helper(line)) {
        echo_helper(line);
        int rc = helper_run(s, line);
        if (rc == HELPER_QUIT)
            finish(EXIT_AS_EXPECTED);
        else if (rc == EXIT_NO_CONNECTION)
            finish(EXIT_NO_CONNECTION);
        else if (s->closed)
            finish(EXIT_AS_EXPECTED);
        return;
    }
    const char *text = line[0] == ':' ? line + 1 : line;   /* "::x" sends ":x" */
    if (session_send(s, text, prepare_echo(line)) != 0) {
        finish(EXIT_UNEXPECTED);
        return;
    }
    session_wait_all(s);
    session_forget_received(s);
    if (s->closed)
        finish(EXIT_AS_EXPECTED);
}

/* readline calls this with each complete line (NULL at end of input), which it gives us to free. */
static void on_line(char *line)
{
    ia.prompt_shown = false;
    if (ia.s->display.color)
        fputs(COLOR_RESET, stdout);
    if (line == NULL) {
        putchar('\n');
        display_note(&ia.s->display, "end of input: closing the connection");
        finish(EXIT_AS_EXPECTED);
        return;
    }
    remember(line);
    run_typed_line(line);
    free(line);
    if (!ia.done)
        ia.prompt_shown = true;   /* readline puts the prompt back when we return */
}

/* Shows lines the server sent while nobody asked (a 421 before closing, say). */
static void read_unasked(struct session *s)
{
    if (s->conn.tls != NULL && !conn_has_buffered_input(&s->conn) && !tls_data_pending(&s->conn))
        return;                 /* only a TLS session ticket: nothing to show */
    do {
        struct line line;
        switch (conn_read_line(&s->conn, s->line_buf, REPLY_LINE_MAX, &line)) {
        case LINE_OK:
            display_server_line(&s->display, &line);
            break;
        case LINE_EOF:
            display_note(&s->display, "the server has closed the connection");
            s->closed = true;
            finish(EXIT_AS_EXPECTED);
            return;
        case LINE_TIMEOUT:
        case LINE_INTERRUPTED:
            return;
        case LINE_TOO_LONG:
        case LINE_ERROR:
            display_note(&s->display, "cannot read from the server: a line longer than %d "
                         "octets, or a read error", REPLY_LINE_MAX);
            finish(EXIT_UNEXPECTED);
            return;
        }
    } while (conn_has_buffered_input(&s->conn));
}

int interactive_run(struct session *s)
{
    memset(&ia, 0, sizeof ia);
    ia.s = s;
    open_history();

    if (!s->opt->starttls) {
        session_await_greeting(s);
        session_wait_all(s);
        session_forget_received(s);
        if (s->closed) {
            close_history();
            return EXIT_UNEXPECTED;
        }
    }
    s->display.before_print = hide_prompt;
    s->display.after_print = show_prompt;
    rl_callback_handler_install(s->display.color ? PROMPT_COLOR : PROMPT_PLAIN, on_line);
    ia.handler_installed = true;
    ia.prompt_shown = true;

    while (!ia.done) {
        bool from_server = conn_has_buffered_input(&s->conn), from_keyboard = false;
        if (!from_server) {
            fd_set readable;
            FD_ZERO(&readable);
            FD_SET(STDIN_FILENO, &readable);
            FD_SET(s->conn.fd, &readable);
            if (select(s->conn.fd + 1, &readable, NULL, NULL, NULL) < 0) {
                if (errno == EINTR)
                    continue;
                warn("select");
                finish(EXIT_UNEXPECTED);
                break;
            }
            from_server = FD_ISSET(s->conn.fd, &readable);
            from_keyboard = FD_ISSET(STDIN_FILENO, &readable);
        }
        if (from_server)
            read_unasked(s);
        if (from_keyboard && !ia.done)
            rl_callback_read_char();
    }
    finish(ia.status);
    if (s->display.color)
        fputs(COLOR_RESET, stdout);
    s->display.before_print = NULL;
    s->display.after_print = NULL;
    close_history();
    return ia.status;
}
