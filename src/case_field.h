/*
 * case_field.h: the fields of an incident (MozDef's, plus owner, severity and the four
 * VERIS dimensions), their types and the validation of a value written to one. Pure:
 * no I/O, so it is unit-tested and fuzzed over JSON input.
 */
#ifndef WD_CASE_FIELD_H
#define WD_CASE_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wd_jv;
struct wd_buf;

enum wd_case_ftype { WD_CF_TEXT, WD_CF_ENUM, WD_CF_DATE, WD_CF_LIST, WD_CF_VERIS };

struct wd_case_field {
    const char *name;
    int type;                   /* enum wd_case_ftype */
    size_t max_len;             /* TEXT: bytes; LIST/VERIS: bytes per item */
    const char *const *choices; /* ENUM: NULL-terminated */
    int veris_top;              /* VERIS: index into wd_veris_tops */
};

extern const char *const wd_case_phases[]; /* Identification ... Closed, NULL */
#define WD_CASE_PHASES   6
#define WD_CASE_LIST_MAX 200 /* items of a list field */

/* The field table; NULL when `name` is not a field. */
const struct wd_case_field *wd_case_field_find(const char *name, size_t len);
const struct wd_case_field *wd_case_field_at(size_t i); /* NULL past the end */

/* Validates v (NULL or JSON null clears the field) for f. On success appends the
 * normalized JSON text to norm and, for dates, sets *num to microseconds since the epoch
 * (*has_num). Returns WD_OK or WD_EINVAL with a reason in why. now_us: what "now" means
 * in a date. */
int wd_case_field_check(const struct wd_case_field *f, const struct wd_jv *v, int64_t now_us,
                        struct wd_buf *norm, int64_t *num, bool *has_num, char *why,
                        size_t why_len);

#endif
