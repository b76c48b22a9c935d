/*
 * analyze.h: the text analysis of `summary` (shared/spec/mozdef-compat.md d.2): an
 * approximation of Lucene's StandardTokenizer (UAX #29 word breaks) followed by
 * lower-casing, plus the small UTF-8 helpers the query code shares.
 *
 * Pure functions: no allocation, no I/O; thread-safe.
 */
#ifndef WD_ANALYZE_H
#define WD_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tokens longer than this many characters (code points) are split (d.2). */
#define WD_TOKEN_MAX_CHARS 255
/* Largest token in bytes (255 code points of at most 4 bytes). */
#define WD_TOKEN_MAX_BYTES (WD_TOKEN_MAX_CHARS * 4)

/* Called once per token, in order. `tok` is lower-cased and only valid during the call.
 * Return false to stop the analysis. */
typedef bool (*wd_token_cb)(void *ctx, const char *tok, size_t len);

/*
 * Splits p[0..len) into lower-cased tokens:
 * - ASCII letters, digits and `_` are word characters; other ASCII characters separate;
 * - `.` and `'` join letter-letter and digit-digit, `:` joins letter-letter, `,` and `;`
 *   join digit-digit (the characters immediately on both sides decide), `_` joins with
 *   anything word-like; U+2018/U+2019 join like `'`;
 * - non-ASCII code points are letters, except CJK ideographs and Hiragana (one token per
 *   character) and a table of punctuation/space code points (Latin-1 symbols, U+2000..
 *   U+206F, U+3000..U+303F, U+FE30..U+FE4F, U+FF00..U+FF0F etc.), which separate;
 * - invalid UTF-8 bytes separate;
 * - a token is cut every WD_TOKEN_MAX_CHARS code points.
 * Lower-casing covers ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic capitals; other
 * non-ASCII bytes are kept as they are.
 * Returns false when the callback stopped the analysis, true otherwise.
 */
bool wd_analyze(const char *p, size_t len, wd_token_cb cb, void *ctx);

/* Decodes one UTF-8 code point at p[0..len) (len > 0). Returns its byte length (1..4);
 * an invalid or truncated sequence yields *cp = 0xFFFD and length 1. */
size_t wd_utf8_next(const char *p, size_t len, uint32_t *cp);

/* Lower-cases one code point with the rules of wd_analyze(). */
uint32_t wd_lower_cp(uint32_t cp);

/* Encodes cp as UTF-8 into out (4 bytes); returns the length. */
size_t wd_utf8_put(uint32_t cp, char *out);

#endif
