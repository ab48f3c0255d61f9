/*
 * types.c - the table of common media types (IANA's media type registry;
 * the same pairs as /etc/mime.types on Debian).
 */
#include "types.h"

#include <string.h>
#include <strings.h>

static const struct {
    const char *extension;
    const char *type;
} media_types[] = {
    /* The first extension for a type is the one mime extract uses. */
    { "txt", "text/plain" },      { "text", "text/plain" },
    { "html", "text/html" },      { "htm", "text/html" },
    { "css", "text/css" },        { "csv", "text/csv" },
    { "md", "text/markdown" },    { "ics", "text/calendar" },
    { "vcf", "text/vcard" },      { "js", "text/javascript" },
    { "c", "text/x-c" },          { "h", "text/x-c" },
    { "py", "text/x-python" },
    { "jpg", "image/jpeg" },      { "jpeg", "image/jpeg" },
    { "png", "image/png" },       { "gif", "image/gif" },
    { "svg", "image/svg+xml" },   { "webp", "image/webp" },
    { "bmp", "image/bmp" },       { "tif", "image/tiff" },
    { "tiff", "image/tiff" },     { "ico", "image/vnd.microsoft.icon" },
    { "pdf", "application/pdf" }, { "zip", "application/zip" },
    { "gz", "application/gzip" }, { "tgz", "application/gzip" },
    { "tar", "application/x-tar" },
    { "7z", "application/x-7z-compressed" },
    { "json", "application/json" },
    { "xml", "application/xml" },
    { "pcap", "application/vnd.tcpdump.pcap" },
    { "doc", "application/msword" },
    { "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
    { "xls", "application/vnd.ms-excel" },
    { "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
    { "ppt", "application/vnd.ms-powerpoint" },
    { "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
    { "odt", "application/vnd.oasis.opendocument.text" },
    { "ods", "application/vnd.oasis.opendocument.spreadsheet" },
    { "odp", "application/vnd.oasis.opendocument.presentation" },
    { "mp3", "audio/mpeg" },      { "wav", "audio/wav" },
    { "ogg", "audio/ogg" },       { "mp4", "video/mp4" },
    { "webm", "video/webm" },     { "eml", "message/rfc822" },
};

#define MEDIA_TYPE_COUNT (sizeof media_types / sizeof media_types[0])

const char *type_for_filename(const char *filename)
{
    const char *slash = strrchr(filename, '/');
    const char *base = slash ? slash + 1 : filename;
    const char *dot = strrchr(base, '.');

    if (dot && dot != base)
        for (size_t i = 0; i < MEDIA_TYPE_COUNT; i++)
            if (strcasecmp(dot + 1, media_types[i].extension) == 0)
                return media_types[i].type;
    return "application/octet-stream";
}

const char *extension_for_type(const char *type)
{
    for (size_t i = 0; i < MEDIA_TYPE_COUNT; i++)
        if (strcasecmp(type, media_types[i].type) == 0)
            return media_types[i].extension;
    return "bin";
}
