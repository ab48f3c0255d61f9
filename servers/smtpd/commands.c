/*
 * commands.c - the SMTP command table (RFC 5321 4.1).
 *
 * Each command has a row: its name, what arguments it takes, a check step
 * (is it allowed in this state? if not, the check answers 503 and says what
 * is missing) and a proceed step (do it and answer). command_dispatch()
 * finds the row, checks the arguments once for all commands, and runs the
 * two steps. Adding a command is adding a row.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "smtpd.h"

enum arguments { ARGS_NONE, ARGS_OPTIONAL, ARGS_REQUIRED };

struct command {
    const char *name;
    enum arguments args;
    bool before_tls;                           /* allowed before STARTTLS under --tls-required */
    const char *syntax;                        /* shown in 501 replies */
    bool (*check)(struct session *s);          /* NULL: allowed in every state */
    void (*proceed)(struct session *s, char *arg);
};

/* --- check steps: each answers 503 itself when the command is out of order --- */

static bool check_hello_done(struct session *s)
{
    if (s->state != STATE_CONNECTED)
        return true;
    reply(s, "503 Say HELO (or EHLO) first: HELO your.domain");
    return false;
}

static bool check_mail(struct session *s)
{
    if (!check_hello_done(s))
        return false;
    if (s->cfg->auth_required && s->user[0] == '\0') {
        /* RFC 4954 6: the submission server's policy needs AUTH first. */
        reply(s, "530 5.7.0 Authentication required: AUTH first (see EHLO's AUTH line)");
        return false;
    }
    if (s->state == STATE_HELLO)
        return true;
    reply(s, "503 Sender already given: one MAIL FROM per message (RSET starts over)");
    return false;
}

static bool check_rcpt(struct session *s)
{
    if (!check_hello_done(s))
        return false;
    if (s->state == STATE_MAIL || s->state == STATE_RCPT)
        return true;
    reply(s, "503 Need MAIL FROM before RCPT TO: MAIL FROM:<you@your.domain>");
    return false;
}

static bool check_data(struct session *s)
{
    if (!check_hello_done(s))
        return false;
    if (s->state == STATE_RCPT)
        return true;
    if (s->state == STATE_MAIL)
        reply(s, "503 Need RCPT TO before DATA: RCPT TO:<someone@%s>", session_host_name(s));
    else
        reply(s, "503 Need MAIL FROM and RCPT TO before DATA");
    return false;
}

/* --- proceed steps --- */

/* Shared by HELO and EHLO: a new hello also resets the transaction (RFC 5321 4.1.4). */
static bool accept_hello(struct session *s, const char *arg, bool extended)
{
    /* The argument is the client's domain or an address literal (RFC 5321 4.1.1.1). */
    if (strlen(arg) > SMTP_DOMAIN_MAX || strchr(arg, ' ') != NULL) {
        reply(s, "501 Syntax: %s your.domain (one name, no spaces)", extended ? "EHLO" : "HELO");
        return false;
    }
    session_reset_transaction(s);
    snprintf(s->client_name, sizeof s->client_name, "%s", arg);
    s->extended = extended;
    session_set_state(s, STATE_HELLO);
    return true;
}

static void proceed_helo(struct session *s, char *arg)
{
    if (accept_hello(s, arg, false))
        reply(s, "250 Hello %s, pleased to meet you", arg);
}

/* EHLO's reply lists the extensions we offer (RFC 5321 4.1.1.1). */
static void proceed_ehlo(struct session *s, char *arg)
{
    if (!accept_hello(s, arg, true))
        return;
    reply(s, "250-%s Hello %s, pleased to meet you", session_host_name(s), arg);
    reply(s, "250-PIPELINING");                       /* RFC 2920 */
    reply(s, "250-SIZE %lu", s->cfg->max_size);       /* RFC 1870 */
    if (!s->cfg->strict_7bit)
        reply(s, "250-8BITMIME");                     /* RFC 6152 */
    if (s->cfg->server.tls != NULL && !session_tls_active(s))
        reply(s, "250-STARTTLS");                     /* RFC 3207; not again once on TLS */
    if (session_auth_offered(s))
        reply(s, "250-AUTH PLAIN LOGIN");             /* RFC 4954 */
    reply(s, "250 HELP");
}

/*
 * Answers a path that did not parse, showing the right form. Returns true
 * when it answered (the path was bad).
 */
static bool reject_bad_path(struct session *s, enum path_error e, const char *verb,
                            const char *example)
{
    switch (e) {
    case PATH_OK:
        return false;
    case PATH_NO_KEYWORD:
        reply(s, "501 Syntax: %s%s", verb, example);
        break;
    case PATH_NO_BRACKETS:
        reply(s, "501 The address goes in angle brackets: %s%s (RFC 5321 4.1.2)", verb, example);
        break;
    case PATH_UNCLOSED:
        reply(s, "501 Missing '>' after the address: %s%s", verb, example);
        break;
    case PATH_TOO_LONG:
        reply(s, "501 Address too long: the limit is %d octets (RFC 5321 4.5.3.1.3)", SMTP_PATH_MAX);
        break;
    case PATH_BAD_MAILBOX:
        reply(s, "501 Bad address: expected user@domain, as in %s%s", verb, example);
        break;
    }
    return true;
}

/*
 * MAIL's parameters (RFC 5321 4.1.1.2): SIZE=n (RFC 1870) and BODY=
 * (RFC 6152). Returns true when they are acceptable; otherwise answers.
 */
static bool accept_mail_parameters(struct session *s, char *params)
{
    for (char *p = strtok(params, " "); p != NULL; p = strtok(NULL, " ")) {
        if (strncasecmp(p, "SIZE=", 5) == 0) {
            char *end;
            unsigned long size = strtoul(p + 5, &end, 10);
            if (end == p + 5 || *end != '\0') {
                reply(s, "501 Syntax: SIZE=number-of-octets");
                return false;
            }
            if (size > s->cfg->max_size) {
                reply(s, "552 Message size exceeds fixed maximum message size of %lu octets "
                      "(RFC 1870)", s->cfg->max_size);
                return false;
            }
        } else if (strcasecmp(p, "BODY=7BIT") == 0 ||
                   (strcasecmp(p, "BODY=8BITMIME") == 0 && !s->cfg->strict_7bit)) {
            continue;
        } else {
            reply(s, "555 Parameter not recognized or not implemented: %.64s", p);
            return false;
        }
    }
    return true;
}

static void proceed_mail(struct session *s, char *arg)
{
    char path[SMTP_PATH_MAX + 1];
    const char *params;
    enum path_error e = parse_path_argument(arg, "FROM", path, sizeof path, &params);

    if (e == PATH_OK && path[0] != '\0' && !mailbox_is_valid(path))
        e = PATH_BAD_MAILBOX;               /* <> is the null sender of bounces */
    if (reject_bad_path(s, e, "MAIL FROM:", "<alice@crepes.fr>"))
        return;
    char param_copy[SMTP_LINE_MAX];
    snprintf(param_copy, sizeof param_copy, "%s", params);
    if (!accept_mail_parameters(s, param_copy))
        return;
    snprintf(s->sender, sizeof s->sender, "%s", path);
    session_set_state(s, STATE_MAIL);
    reply(s, "250 %s... Sender ok", path[0] != '\0' ? path : "<>");
}

/* True when the recipient is already in the list (a local mailbox, or a
 * remote address in any case): one copy per recipient. */
static bool already_recipient(const struct session *s, const char *mailbox, const char *address)
{
    for (size_t i = 0; i < s->nrecipients; i++) {
        const struct recipient *r = &s->recipients[i];
        if (mailbox[0] != '\0' ? !r->remote && strcmp(r->mailbox, mailbox) == 0
                                : r->remote && strcasecmp(r->address, address) == 0)
            return true;
    }
    return false;
}

/*
 * Decides which local Maildir receives mail for path. Returns true and
 * fills mailbox, or answers why not and returns false.
 */
static bool resolve_local_mailbox(struct session *s, const char *path,
                                  char *mailbox, size_t len)
{
    char local[SMTP_LOCAL_PART_MAX + 1], domain[SMTP_DOMAIN_MAX + 1];

    /* RFC 5321 4.5.1: <Postmaster> without a domain must always be accepted. */
    if (strcasecmp(path, "postmaster") == 0) {
        snprintf(mailbox, len, "postmaster");
        return true;
    }
    mailbox_split(path, local, sizeof local, domain, sizeof domain);
    if (!server_is_local_domain(&s->cfg->server, domain)) {
        mailbox[0] = '\0';
        /* Not ours: relay only for trusted clients, or we are an open relay. */
        if (s->cfg->routes_file == NULL) {
            reply(s, "554 5.7.1 <%s>: Relay access denied: this server takes mail only "
                  "for its own domains (%s)", path, session_host_name(s));
            return false;
        }
        if (s->user[0] == '\0' && !relay_is_trusted(&s->cfg->relay, s->peer_address)) {
            reply(s, "554 5.7.1 <%s>: Relay access denied: this server takes mail for other "
                  "domains only from its own users (AUTH) or networks", path);
            return false;
        }
        if (relay_find_route(&s->cfg->relay, domain) == NULL) {
            /* Where DNS would say "no such domain", the routes file says it here. */
            reply(s, "550 5.4.4 <%s>: no route to %s (it is not in the routes file)", path, domain);
            return false;
        }
        return true;
    }
    if (!mailbox_name_from_local_part(local, mailbox, len)) {
        reply(s, "553 <%s>: mailbox name not allowed (no '/', no leading dot, no quotes)", path);
        return false;
    }
    if (strcmp(mailbox, "postmaster") == 0)
        return true;
    if (s->cfg->server.users_file != NULL && users_find(&s->cfg->server.users, mailbox) == NULL) {
        reply(s, "550 <%s>: Recipient address rejected: User unknown", path);
        return false;
    }
    return true;
}

static void proceed_rcpt(struct session *s, char *arg)
{
    char path[SMTP_PATH_MAX + 1], mailbox[USERS_NAME_MAX + 1];
    const char *params;
    enum path_error e = parse_path_argument(arg, "TO", path, sizeof path, &params);

    if (e == PATH_OK && strcasecmp(path, "postmaster") != 0 && !mailbox_is_valid(path))
        e = PATH_BAD_MAILBOX;
    if (reject_bad_path(s, e, "RCPT TO:", "<bob@hamburger.edu>"))
        return;
    if (params[0] != '\0') {
        reply(s, "555 RCPT TO parameters not recognized or not implemented: %.64s", params);
        return;
    }
    if (s->nrecipients == SMTP_RECIPIENTS_MAX) {
        /* RFC 5321 4.5.3.1.10: 452, and the client sends the rest later. */
        reply(s, "452 Too many recipients: at most %d per message", SMTP_RECIPIENTS_MAX);
        return;
    }
    if (!resolve_local_mailbox(s, path, mailbox, sizeof mailbox))
        return;
    if (!already_recipient(s, mailbox, path)) {
        struct recipient *r = &s->recipients[s->nrecipients++];
        snprintf(r->address, sizeof r->address, "%s", path);
        snprintf(r->mailbox, sizeof r->mailbox, "%s", mailbox);
        r->remote = mailbox[0] == '\0';
    }
    session_set_state(s, STATE_RCPT);
    reply(s, "250 %s ... Recipient ok", path);
}

static void proceed_data(struct session *s, char *arg)
{
    (void)arg;
    data_receive_and_deliver(s);
}

static void proceed_rset(struct session *s, char *arg)
{
    (void)arg;
    session_reset_transaction(s);
    reply(s, "250 Reset state");
}

static void proceed_noop(struct session *s, char *arg)
{
    (void)arg;                          /* RFC 5321 4.1.1.9: any argument is ignored */
    reply(s, "250 OK");
}

static void proceed_vrfy(struct session *s, char *arg)
{
    (void)arg;
    /* RFC 5321 3.5.3: 252 when we will not say, but would still accept mail. */
    reply(s, "252 Cannot VRFY user, but will accept message and attempt delivery");
}

static void proceed_help(struct session *s, char *arg)
{
    (void)arg;
    reply(s, "214-Commands, in the order of a session (RFC 5321):");
    reply(s, "214-  HELO your.domain   or  EHLO your.domain");
    reply(s, "214-  MAIL FROM:<sender@domain>");
    reply(s, "214-  RCPT TO:<recipient@domain>    (one per recipient)");
    reply(s, "214-  DATA, then the message, then a line with only \".\"");
    reply(s, "214-  QUIT");
    reply(s, "214-Also: RSET, NOOP, VRFY, HELP, and STARTTLS and AUTH when EHLO lists them");
    reply(s, "214 End of HELP info");
}

static void proceed_quit(struct session *s, char *arg)
{
    (void)arg;
    reply(s, "221 %s closing connection", session_host_name(s));
    session_set_state(s, STATE_QUIT);
}

/* Commands RFC 5321 or its extensions define that this server does not offer. */
static void proceed_not_implemented(struct session *s, char *arg)
{
    (void)arg;
    reply(s, "502 Command not implemented");
}

static const struct command commands[] = {
    /* name       arguments     before TLS  syntax                          check        proceed */
    {"HELO",     ARGS_REQUIRED, true,  "HELO your.domain",             NULL,        proceed_helo},
    {"EHLO",     ARGS_REQUIRED, true,  "EHLO your.domain",             NULL,        proceed_ehlo},
    {"STARTTLS", ARGS_NONE,     true,  "STARTTLS",                     NULL,        proceed_starttls},
    {"AUTH",     ARGS_REQUIRED, false, "AUTH PLAIN or AUTH LOGIN",     check_auth,  proceed_auth},
    {"MAIL",     ARGS_REQUIRED, false, "MAIL FROM:<alice@crepes.fr>",  check_mail,  proceed_mail},
    {"RCPT",     ARGS_REQUIRED, false, "RCPT TO:<bob@hamburger.edu>",  check_rcpt,  proceed_rcpt},
    {"DATA",     ARGS_NONE,     false, "DATA",                         check_data,  proceed_data},
    {"RSET",     ARGS_NONE,     true,  "RSET",                         NULL,        proceed_rset},
    {"NOOP",     ARGS_OPTIONAL, true,  "NOOP",                         NULL,        proceed_noop},
    {"VRFY",     ARGS_REQUIRED, false, "VRFY user",                    NULL,        proceed_vrfy},
    {"HELP",     ARGS_OPTIONAL, true,  "HELP",                         NULL,        proceed_help},
    {"QUIT",     ARGS_NONE,     true,  "QUIT",                         NULL,        proceed_quit},
    {"EXPN",     ARGS_OPTIONAL, false, NULL,                           NULL,        proceed_not_implemented},
    {"TURN",     ARGS_OPTIONAL, false, NULL,                           NULL,        proceed_not_implemented},
    {"ETRN",     ARGS_OPTIONAL, false, NULL,                           NULL,        proceed_not_implemented},
    {"SEND",     ARGS_OPTIONAL, false, NULL,                           NULL,        proceed_not_implemented},
    {"SOML",     ARGS_OPTIONAL, false, NULL,                           NULL,        proceed_not_implemented},
    {"SAML",     ARGS_OPTIONAL, false, NULL,                           NULL,        proceed_not_implemented},
    {"BDAT",     ARGS_OPTIONAL, false, NULL,                           NULL,        proceed_not_implemented},
};

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcasecmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/*
 * Splits "VERB argument" at the first space (verbs are case-insensitive,
 * RFC 5321 2.4), finds the verb in the table and runs it. In the REJECTED
 * state only QUIT runs (RFC 5321 3.1).
 */
void command_dispatch(struct session *s, char *line)
{
    char *arg = strchr(line, ' ');
    if (arg != NULL) {
        *arg++ = '\0';
        while (*arg == ' ')
            arg++;
        /* Trailing spaces are not part of the argument. */
        for (size_t n = strlen(arg); n > 0 && arg[n - 1] == ' '; n--)
            arg[n - 1] = '\0';
    } else {
        arg = line + strlen(line);
    }
    const struct command *cmd = find_command(line);
    if (s->state == STATE_REJECTED && (cmd == NULL || strcmp(cmd->name, "QUIT") != 0)) {
        reply(s, "503 Bad sequence of commands: service was refused, type QUIT");
        return;
    }
    if (cmd == NULL) {
        if (line[0] == '\0')
            reply(s, "500 Empty line: type a command, such as HELO your.domain (HELP lists them)");
        else
            reply(s, "500 Command unrecognized: \"%.40s\" (HELP lists the commands)", line);
        return;
    }
    if (s->cfg->tls_required && !cmd->before_tls && !session_tls_active(s)) {
        /* RFC 3207 4: the words of the reply are the RFC's own. */
        reply(s, "530 Must issue a STARTTLS command first");
        return;
    }
    if ((cmd->args == ARGS_REQUIRED && arg[0] == '\0') ||
        (cmd->args == ARGS_NONE && arg[0] != '\0')) {
        reply(s, "501 Syntax: %s", cmd->syntax);
        return;
    }
    if (cmd->check != NULL && !cmd->check(s))
        return;
    cmd->proceed(s, arg);
}
