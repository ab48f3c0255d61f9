/*
 * safename.h - file names for mime extract that are safe to create.
 *
 * A file name in a message is chosen by whoever sent it. Written as it is,
 * "../../.bashrc" or "/etc/passwd" would land outside the output directory
 * (the "zip slip" family of bugs). The name made here has no '/' or '\',
 * does not start with '.' or '-', holds no control characters and is
 * valid UTF-8, so it always names a plain entry in the output directory.
 */
#ifndef MIME_SAFENAME_H
#define MIME_SAFENAME_H

/*
 * Makes a safe name from suggested (UTF-8, may be NULL): its last path
 * component, cleaned as above, at most MIME_FILENAME_MAX bytes (the
 * extension kept). When nothing is left, "part-SECTION.EXT" with ext from
 * the media type. Returns a malloc'd string, or NULL if out of memory.
 */
char *safename_make(const char *suggested, const char *section,
                    const char *type);

/* True if name obeys the rules above (for tests and the fuzz target). */
int safename_is_safe(const char *name);

#endif
