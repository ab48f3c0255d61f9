/*
 * types.h - media types from file names, and file name extensions from
 * media types: the table a mail program needs to label attachments.
 */
#ifndef MIME_TYPES_H
#define MIME_TYPES_H

/* The media type for a file name, by its extension (any case), or
 * "application/octet-stream" (RFC 2046 4.5.1) when it is not in the table. */
const char *type_for_filename(const char *filename);

/* An extension without the dot ("png") for a media type, or "bin". */
const char *extension_for_type(const char *type);

#endif
