/* MODULES: imap_parse err utf8
 * Fuzz target: whatever the bytes, imap_parse_response returns 0 or -1
 * with ERR_PROTOCOL and a located message; a parsed response keeps its
 * promises: every string lies in the input or the arena, list counts
 * match their items, nesting and the value count stay under the caps. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static void
fuzz_check(bool ok)
{
	if (!ok)
		abort();
}

static bool
fuzz_in_input(const char *p, size_t len, const char *buf, size_t n)
{
	uintptr_t at = (uintptr_t)p, lo = (uintptr_t)buf;

	return at >= lo && at <= lo + n && len <= lo + n - at;
}

/* Walk v, counting values; lists at most IMAP_PARSE_MAX_DEPTH deep. */
static void
fuzz_walk(const struct imap_response *r, const struct imap_value *v,
    const char *buf, size_t n, int depth, size_t *values)
{
	size_t i;

	fuzz_check(depth <= IMAP_PARSE_MAX_DEPTH);
	switch (v->type) {
	case IMAP_V_ATOM:
		fuzz_check(v->str != NULL && v->len > 0);
		fuzz_check(fuzz_in_input(v->str, v->len, buf, n));
		fuzz_check(!v->literal8 && v->items == NULL && v->count == 0);
		break;
	case IMAP_V_STRING:
		fuzz_check(v->str != NULL);
		fuzz_check(fuzz_in_input(v->str, v->len, buf, n) ||
		    imap_parse_owns(r, v->str, v->len + 1));
		fuzz_check(v->items == NULL && v->count == 0);
		break;
	case IMAP_V_NUMBER:
		/* Its digits stay in the input. */
		fuzz_check(v->str != NULL && v->len > 0 && v->count == 0);
		fuzz_check(fuzz_in_input(v->str, v->len, buf, n));
		break;
	case IMAP_V_NIL:
		fuzz_check(v->str == NULL && v->len == 0 && v->count == 0);
		break;
	case IMAP_V_LIST:
		fuzz_check((v->count == 0) == (v->items == NULL));
		fuzz_check(v->count <= IMAP_PARSE_MAX_VALUES);
		if (v->count > 0)
			fuzz_check(imap_parse_owns(r, (const char *)v->items,
			    v->count * sizeof *v->items));
		for (i = 0; i < v->count; i++) {
			(*values)++;
			fuzz_walk(r, &v->items[i], buf, n, depth + 1, values);
		}
		break;
	default:
		abort();
	}
}

static bool
fuzz_terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct imap_response r;
	struct mp_err e;
	size_t values = 0;
	char *buf;

	/* An exact-size heap copy, so that any over-read is caught. */
	buf = malloc(n ? n : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, n);
	err_clear(&e);
	if (imap_parse_response(buf, n, &r, &e) < 0) {
		fuzz_check(e.kind == ERR_PROTOCOL || e.kind == ERR_INTERNAL);
		fuzz_check(strstr(e.text, " at offset ") != NULL ||
		    e.kind == ERR_INTERNAL);
		fuzz_check(r.arena == NULL);
		free(buf);
		return 0;
	}
	fuzz_check(fuzz_terminated(r.tag, sizeof r.tag) &&
	    fuzz_terminated(r.status, sizeof r.status) &&
	    fuzz_terminated(r.code, sizeof r.code) &&
	    fuzz_terminated(r.name, sizeof r.name));
	fuzz_check(r.kind == IMAP_R_UNTAGGED || r.kind == IMAP_R_TAGGED ||
	    r.kind == IMAP_R_CONTINUATION);
	fuzz_check((r.kind == IMAP_R_TAGGED) == (r.tag[0] != '\0'));
	fuzz_check(r.status[0] == '\0' || r.name[0] == '\0');
	fuzz_check(r.code[0] != '\0' || r.code_args.count == 0);
	fuzz_check(r.code_args.type == IMAP_V_LIST && r.data.type == IMAP_V_LIST);
	fuzz_check(r.text_len == 0 || fuzz_in_input(r.text, r.text_len, buf, n));
	fuzz_check(r.text == NULL || memchr(r.text, '\r', r.text_len) == NULL);
	fuzz_walk(&r, &r.code_args, buf, n, 0, &values);
	fuzz_walk(&r, &r.data, buf, n, 0, &values);
	fuzz_check(values <= IMAP_PARSE_MAX_VALUES);
	if (r.data.count > 0)
		(void)imap_parse_find(&r.data.items[0], "UID");
	imap_parse_free(&r);
	fuzz_check(r.arena == NULL);
	free(buf);
	return 0;
}
