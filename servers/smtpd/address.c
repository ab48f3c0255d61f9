/*
 * address.c - paths and mailboxes in MAIL and RCPT (see address.h).
 *
 * The grammar, from RFC 5321 4.1.2:
 *     Path      = "<" [ A-d-l ":" ] Mailbox ">"
 *     Mailbox   = Local-part "@" ( Domain / address-literal )
 *     Local-part = Dot-string / Quoted-string
 *     Dot-string = Atom *("." Atom)
 */
#include "address.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtpd.h"

/* atext from RFC 5322 3.2.3: letters, digits and these 19 symbols. */
static bool is_atext(int c)
{
    return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Dot-string: atoms separated by single dots, none at either end. */
static bool is_dot_string(const char *s, size_t len)
{
    if (len == 0 || s[0] == '.' || s[len - 1] == '.')
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            if (s[i + 1] == '.')
                return false;
        } else if (!is_atext((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* Quoted-string: "..." with printable ASCII inside and \-escapes. */
static bool is_quoted_string(const char *s, size_t len)
{
    if (len < 2 || s[0] != '"' || s[len - 1] != '"')
        return false;
    for (size_t i = 1; i < len - 1; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\') {
            if (++i >= len - 1 || s[i] < 32 || s[i] > 126)
                return false;
        } else if (c == '"' || c < 32 || c > 126) {
            return false;
        }
    }
    return true;
}

/* Domain: labels of letters, digits and hyphens, not starting or ending with '-'. */
static bool is_domain(const char *s, size_t len)
{
    if (len == 0 || len > SMTP_DOMAIN_MAX)
        return false;
    if (s[0] == '[')                     /* address-literal, e.g. [127.0.0.1] */
        return len > 2 && s[len - 1] == ']' && memchr(s, ' ', len) == NULL;
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-')
                return false;
            label = 0;
        } else if (isalnum(c) || (c == '-' && label > 0)) {
            label++;
        } else {
            return false;
        }
    }
    return label > 0 && s[len - 1] != '-';
}

bool mailbox_is_valid(const char *mailbox)
{
    const char *at = strrchr(mailbox, '@');
    if (at == NULL)
        return false;
    size_t local_len = (size_t)(at - mailbox);
    if (local_len > SMTP_LOCAL_PART_MAX)
        return false;
    if (!is_dot_string(mailbox, local_len) && !is_quoted_string(mailbox, local_len))
        return false;
    return is_domain(at + 1, strlen(at + 1));
}

void mailbox_split(const char *mailbox, char *local, size_t locallen,
                   char *domain, size_t domainlen)
{
    const char *at = strrchr(mailbox, '@');
    size_t n = at != NULL ? (size_t)(at - mailbox) : strlen(mailbox);
    if (n >= locallen)
        n = locallen - 1;
    memcpy(local, mailbox, n);
    local[n] = '\0';
    snprintf(domain, domainlen, "%s", at != NULL ? at + 1 : "");
}

bool mailbox_name_from_local_part(const char *local, char *name, size_t namelen)
{
    size_t len = strlen(local);
    if (len == 0 || len >= namelen)
        return false;
    /* Defence in depth: is_dot_string already excludes most of these. */
    if (local[0] == '.' || local[0] == '"' || strchr(local, '/') != NULL ||
        strstr(local, "..") != NULL)
        return false;
    for (size_t i = 0; i <= len; i++)
        name[i] = (char)tolower((unsigned char)local[i]);
    return true;
}

enum path_error parse_path_argument(const char *arg, const char *keyword,
                                    char *path, size_t pathlen,
                                    const char **params)
{
    size_t klen = strlen(keyword);
    if (strncasecmp(arg, keyword, klen) != 0 || arg[klen] != ':')
        return PATH_NO_KEYWORD;
    const char *p = arg + klen + 1;
    while (*p == ' ')                    /* "MAIL FROM: <...>", as on the slide */
        p++;
    if (*p != '<')
        return PATH_NO_BRACKETS;
    const char *close = strchr(p, '>');
    if (close == NULL)
        return PATH_UNCLOSED;
    const char *start = p + 1;
    size_t len = (size_t)(close - start);
    if (len + 2 > SMTP_PATH_MAX || len >= pathlen)
        return PATH_TOO_LONG;
    /* A source route "<@relay1,@relay2:bob@b.org>" is obsolete: RFC 5321
     * 4.1.1.3 and Appendix C say to accept it and ignore the route. */
    if (len > 0 && start[0] == '@') {
        const char *colon = memchr(start, ':', len);
        if (colon == NULL)
            return PATH_BAD_MAILBOX;
        len -= (size_t)(colon + 1 - start);
        start = colon + 1;
        if (len == 0)
            return PATH_BAD_MAILBOX;     /* a route needs a mailbox after it */
    }
    memcpy(path, start, len);
    path[len] = '\0';
    p = close + 1;
    if (*p != '\0' && *p != ' ')
        return PATH_BAD_MAILBOX;         /* "<a@b>junk" */
    while (*p == ' ')
        p++;
    *params = p;
    return PATH_OK;
}
