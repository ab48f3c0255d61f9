/*
 * explain.c - draw base64 encoding the way it is drawn on paper.
 *
 * One picture per 3-byte group (RFC 4648 section 4, "24-bit groups"):
 *
 *   text                M               a               n
 *   byte value          77              97             110
 *                 ┌───────────────┬───────────────┬───────────────┐
 *   bits           0 1 0 0 1 1 0 1 0 1 1 0 0 0 0 1 0 1 1 0 1 1 1 0
 *                 └───────────┴───────────┴───────────┴───────────┘
 *   6-bit value        19          22           5          46
 *   character          T           W            F          u
 *
 * The same 24 bits sit in the middle; brackets above group them by 8 (the
 * bytes), brackets below by 6 (the characters).
 *
 * How the drawing works: each row of the picture is a line of cells, one
 * byte per terminal column. Bit i is in column 2i + 1; the columns between
 * bits (2i) hold the corners of the brackets, so a byte spans 16 columns and
 * a 6-bit value 12. Bracket lines are stored as small codes (GLYPH_*) and
 * turned into box-drawing characters, or into + - . for plain ASCII, only
 * when the row is printed.
 */
#include "explain.h"

#include <string.h>

/* Columns of the picture: 4 values x 12 columns, plus room for labels. */
#define PICTURE_COLS 64
/* "  6-bit value " before the picture. */
#define LABEL_WIDTH 15

#define BYTE_COLS 16    /* 8 bits, 2 columns each */
#define VALUE_COLS 12   /* 6 bits, 2 columns each */

/* Bracket pieces; control codes, so they never clash with label text. */
enum glyph {
    GLYPH_LINE = 1, GLYPH_DOTS,
    GLYPH_TOP_LEFT, GLYPH_TOP_TEE, GLYPH_TOP_RIGHT,
    GLYPH_BOTTOM_LEFT, GLYPH_BOTTOM_TEE, GLYPH_BOTTOM_RIGHT,
    GLYPH_COUNT
};

static const char *const GLYPHS[2][GLYPH_COUNT] = {
    [EXPLAIN_ASCII] = { "", "-", ".", "+", "+", "+", "+", "+", "+" },
    [EXPLAIN_UTF8] = { "", "\u2500", "\u2504", "\u250c", "\u252c", "\u2510",
                       "\u2514", "\u2534", "\u2518" },
};

struct row {
    char cell[PICTURE_COLS];
};

struct picture {
    FILE *out;
    enum explain_style style;
    const char *chars;      /* the alphabet */
};

static void row_clear(struct row *row)
{
    memset(row->cell, ' ', sizeof row->cell);
}

/* Put TEXT in ROW from column COL on; what does not fit is dropped. */
static void row_put(struct row *row, int col, const char *text)
{
    for (; *text != '\0' && col < PICTURE_COLS; text++, col++)
        if (col >= 0)
            row->cell[col] = *text;
}

/* Put TEXT centred on column CENTER (one column right of centre when its
 * width is even, so a 1-character label sits over the 1st digit of 2). */
static void row_put_centred(struct row *row, int center, const char *text)
{
    row_put(row, center - ((int)strlen(text) - 1) / 2, text);
}

/* Draw a bracket from column FROM to column TO, corners every STEP. */
static void row_bracket(struct row *row, int from, int to, int step,
                        enum glyph line, enum glyph left, enum glyph tee,
                        enum glyph right)
{
    for (int col = from; col <= to && col < PICTURE_COLS; col++) {
        if (col == from)
            row->cell[col] = (char)left;
        else if (col == to)
            row->cell[col] = (char)right;
        else if ((col - from) % step == 0)
            row->cell[col] = (char)tee;
        else
            row->cell[col] = (char)line;
    }
}

/* Print LABEL and ROW as one line, without trailing blanks. */
static void row_print(const struct picture *pic, const char *label,
                      const struct row *row)
{
    int end = PICTURE_COLS;

    while (end > 0 && row->cell[end - 1] == ' ')
        end--;
    fprintf(pic->out, "  %-*s", LABEL_WIDTH - 2, label);
    for (int col = 0; col < end; col++) {
        unsigned char c = (unsigned char)row->cell[col];
        if (c > 0 && c < GLYPH_COUNT)
            fputs(GLYPHS[pic->style][c], pic->out);
        else
            putc(c, pic->out);
    }
    putc('\n', pic->out);
}

/* A byte as a label: the character if printable ASCII, else 0xNN. */
static void byte_label(unsigned char byte, char *buf, size_t size)
{
    if (byte == ' ')
        snprintf(buf, size, "space");
    else if (byte > 0x20 && byte < 0x7f)
        snprintf(buf, size, "%c", byte);
    else
        snprintf(buf, size, "0x%02x", byte);
}

/* Print TEXT between quotes, with bytes that are not printable ASCII as
 * \xNN, so that the headline stays on one line. */
static void print_quoted(FILE *out, const unsigned char *text, size_t len)
{
    putc('"', out);
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '"' || text[i] == '\\')
            fprintf(out, "\\%c", text[i]);
        else if (text[i] >= 0x20 && text[i] < 0x7f)
            putc(text[i], out);
        else
            fprintf(out, "\\x%02x", text[i]);
    }
    putc('"', out);
}

static void print_intro(const struct picture *pic, const unsigned char *text,
                        size_t len, size_t encoded_len)
{
    bool url = pic->chars[62] == '-';

    print_quoted(pic->out, text, len);
    fprintf(pic->out, " is %zu byte%s (%zu bits) -> %zu base64 characters\n\n",
            len, len == 1 ? "" : "s", len * 8, encoded_len);
    fprintf(pic->out,
            "Each group of 3 bytes (24 bits) is cut into four 6-bit values;\n"
            "each value (0-63) picks one character (RFC 4648 section %s):\n"
            "    0-25 A-Z    26-51 a-z    52-61 0-9    62 %c    63 %c\n",
            url ? "5, Table 2" : "4, Table 1", pic->chars[62],
            pic->chars[63]);
}

/* The rows above the bits: each byte, as text and as a number, and a
 * bracket around its 8 bits; then the dotted bracket of the zero bits. */
static void draw_bytes(const struct picture *pic, const unsigned char *group,
                       int nbytes, int zero_bits)
{
    struct row text, number, bracket;
    char label[16];

    row_clear(&text);
    row_clear(&number);
    row_clear(&bracket);
    for (int k = 0; k < nbytes; k++) {
        int center = k * BYTE_COLS + BYTE_COLS / 2;
        byte_label(group[k], label, sizeof label);
        row_put_centred(&text, center, label);
        snprintf(label, sizeof label, "%d", group[k]);
        row_put_centred(&number, center, label);
    }
    row_bracket(&bracket, 0, nbytes * BYTE_COLS, BYTE_COLS, GLYPH_LINE,
                GLYPH_TOP_LEFT, GLYPH_TOP_TEE, GLYPH_TOP_RIGHT);
    if (zero_bits > 0) {
        int from = nbytes * BYTE_COLS, to = from + 2 * zero_bits;
        row_bracket(&bracket, from, to, to - from, GLYPH_DOTS,
                    GLYPH_TOP_TEE, GLYPH_TOP_TEE, GLYPH_TOP_RIGHT);
        row_put(&text, from + 1, "added");
        row_put(&number, from + 1, "zeros");
    }
    row_print(pic, "text", &text);
    row_print(pic, "byte value", &number);
    row_print(pic, "", &bracket);
}

/* The bits row: the bytes' bits, then the ZERO_BITS added zeros. */
static void draw_bits(const struct picture *pic, const unsigned char *group,
                      int nbytes, int zero_bits)
{
    struct row bits;

    row_clear(&bits);
    for (int i = 0; i < nbytes * 8; i++)
        bits.cell[2 * i + 1] = (char)('0' + (group[i / 8] >> (7 - i % 8) & 1));
    for (int i = nbytes * 8; i < nbytes * 8 + zero_bits; i++)
        bits.cell[2 * i + 1] = '0';
    row_print(pic, "bits", &bits);
}

/* The rows below the bits: a bracket around each 6-bit value, the value,
 * its character; the characters with no bits at all (padding) dotted. */
static void draw_values(const struct picture *pic, uint_least32_t bits24,
                        int nvalues)
{
    struct row bracket, number, chars;
    char label[16];

    row_clear(&bracket);
    row_clear(&number);
    row_clear(&chars);
    row_bracket(&bracket, 0, nvalues * VALUE_COLS, VALUE_COLS, GLYPH_LINE,
                GLYPH_BOTTOM_LEFT, GLYPH_BOTTOM_TEE, GLYPH_BOTTOM_RIGHT);
    for (int j = 0; j < B64_GROUP_CHARS; j++) {
        int center = j * VALUE_COLS + VALUE_COLS / 2;
        if (j < nvalues) {
            unsigned value = bits24 >> (18 - 6 * j) & 0x3f;
            snprintf(label, sizeof label, "%u", value);
            row_put_centred(&number, center, label);
            snprintf(label, sizeof label, "%c", pic->chars[value]);
        } else {
            row_bracket(&bracket, j * VALUE_COLS, (j + 1) * VALUE_COLS,
                        VALUE_COLS, GLYPH_DOTS, GLYPH_BOTTOM_TEE,
                        GLYPH_BOTTOM_TEE, GLYPH_BOTTOM_RIGHT);
            row_put_centred(&number, center, "no bits");
            snprintf(label, sizeof label, "%c", B64_PAD);
        }
        row_put_centred(&chars, center, label);
    }
    row_print(pic, "", &bracket);
    row_print(pic, "6-bit value", &number);
    row_print(pic, "character", &chars);
}

/* Under a short group: where the zero bits and the '=' come from. */
static void print_padding_note(const struct picture *pic, int nbytes,
                               int zero_bits, int nvalues)
{
    fprintf(pic->out,
            "\n  Only %d bits are left: %d zero bits are added to fill the last"
            " 6-bit value\n  (%d + %d = %d = %d x 6). Base64 writes 4"
            " characters per group, so the\n  missing %s written as the"
            " padding %s.\n",
            nbytes * 8, zero_bits, nbytes * 8, zero_bits, nvalues * 6,
            nvalues,
            nvalues == 3 ? "4th character is" : "3rd and 4th characters are",
            nvalues == 3 ? "'='" : "'=='");
}

/* One 3-byte group (or the 1 or 2 bytes at the end): the whole picture. */
static void explain_group(const struct picture *pic, size_t index,
                          size_t ngroups, const unsigned char *group,
                          int nbytes)
{
    char encoded[B64_GROUP_CHARS];
    uint_least32_t bits24 = 0;
    int nvalues = (nbytes * 8 + 5) / 6;         /* 2, 3 or 4 */
    int zero_bits = nvalues * 6 - nbytes * 8;   /* 4, 2 or 0 */

    for (int k = 0; k < B64_GROUP_BYTES; k++)
        bits24 = bits24 << 8 | (k < nbytes ? group[k] : 0);
    b64_encode(pic->chars, group, (size_t)nbytes, encoded);

    fprintf(pic->out, "\nGroup %zu of %zu: ", index + 1, ngroups);
    print_quoted(pic->out, group, (size_t)nbytes);
    fprintf(pic->out, " -> \"%.4s\"\n\n", encoded);
    draw_bytes(pic, group, nbytes, zero_bits);
    draw_bits(pic, group, nbytes, zero_bits);
    draw_values(pic, bits24, nvalues);
    if (nbytes < B64_GROUP_BYTES)
        print_padding_note(pic, nbytes, zero_bits, nvalues);
}

bool explain_encoding(FILE *out, const unsigned char *text, size_t len,
                      enum b64_alphabet alphabet, enum explain_style style)
{
    struct picture pic = { out, style, b64_chars(alphabet) };
    size_t ngroups = (len + 2) / 3;

    print_intro(&pic, text, len, B64_ENCODED_LEN(len));
    for (size_t g = 0; g < ngroups; g++) {
        size_t left = len - 3 * g;
        explain_group(&pic, g, ngroups, text + 3 * g,
                      left < 3 ? (int)left : 3);
    }

    fputs("\nResult: ", out);
    for (size_t g = 0; g < ngroups; g++) {
        char encoded[B64_GROUP_CHARS];
        size_t left = len - 3 * g;
        b64_encode(pic.chars, text + 3 * g, left < 3 ? left : 3, encoded);
        fwrite(encoded, 1, sizeof encoded, out);
    }
    fputs(len == 0 ? "(empty: no bytes, no characters)\n" : "\n", out);
    return !ferror(out);
}
