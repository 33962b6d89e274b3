/* SPDX-License-Identifier: MIT */
/*
 * NumPy .npy reader and float32 writer (see npy.h). The format:
 * "\x93NUMPY", major, minor, header length (uint16 LE for 1.0, uint32 LE for
 * 2.0/3.0), then a Python dict literal such as
 * "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" padded with
 * spaces and ended by '\n', then the raw data.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "npy.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "npy.c reads little-endian data in place: port the byte swap first"
#endif

static const uint8_t npy_magic[6] = { 0x93, 'N', 'U', 'M', 'P', 'Y' };
/* Bigger headers are refused: numpy itself limits them to 10000 bytes
 * unless told otherwise; ours are < 128. */
#define NPY_MAX_HEADER (1u << 20)
#define NPY_PREFIX_MAX 12	/* magic, version, 4-byte length */

struct npy_hdr {
	accel_dtype dtype;
	uint32_t esize;
	uint32_t rank;
	uint64_t dim[ACCEL_NPY_MAX_RANK];
	uint64_t count, bytes;
};

static accel_status bad(const char *name, const char *fmt, const char *what)
{
	return accel__fail(ACCEL_ERR_MODEL, "%s: %s%s", name, fmt, what ? what : "");
}

/* Magic and version: set *prefix (bytes before the header text) and
 * *hlen. avail bytes are at p (at least NPY_PREFIX_MAX unless the input is
 * shorter). */
static accel_status parse_prefix(const uint8_t *p, size_t avail, const char *name,
				 size_t *prefix, size_t *hlen)
{
	if (avail < 8 || memcmp(p, npy_magic, sizeof(npy_magic)) != 0)
		return bad(name, "not a .npy file (bad magic: want \\x93NUMPY)", NULL);
	if (p[6] == 1 && p[7] == 0) {
		if (avail < 10)
			return bad(name, "truncated before the header length", NULL);
		*prefix = 10;
		*hlen = (size_t)p[8] | (size_t)p[9] << 8;
	} else if ((p[6] == 2 || p[6] == 3) && p[7] == 0) {
		if (avail < 12)
			return bad(name, "truncated before the header length", NULL);
		*prefix = 12;
		*hlen = (size_t)p[8] | (size_t)p[9] << 8 | (size_t)p[10] << 16 |
			(size_t)p[11] << 24;
	} else {
		return accel__fail(ACCEL_ERR_MODEL,
				   "%s: .npy format version %u.%u not supported (1.0, 2.0, 3.0)",
				   name, p[6], p[7]);
	}
	if (*hlen == 0 || *hlen > NPY_MAX_HEADER)
		return accel__fail(ACCEL_ERR_MODEL, "%s: header length %zu out of range (1..%u)",
				   name, *hlen, NPY_MAX_HEADER);
	return ACCEL_OK;
}

/* ---- the header dict ------------------------------------------------------------- */
struct cursor {
	const char *s, *end, *start;
	const char *name;
};

static void skip_ws(struct cursor *c)
{
	while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' || *c->s == '\r'))
		c->s++;
}

static accel_status syntax(struct cursor *c, const char *want)
{
	return accel__fail(ACCEL_ERR_MODEL, "%s: header syntax: expected %s at offset %td",
			   c->name, want, c->s - c->start);
}

static bool eat(struct cursor *c, char ch)
{
	skip_ws(c);
	if (c->s < c->end && *c->s == ch) {
		c->s++;
		return true;
	}
	return false;
}

/* A quoted Python string without escapes, into buf. */
static accel_status parse_str(struct cursor *c, char *buf, size_t cap)
{
	char q;
	size_t n = 0;

	skip_ws(c);
	if (c->s >= c->end || (*c->s != '\'' && *c->s != '"'))
		return syntax(c, "a quoted string");
	q = *c->s++;
	while (c->s < c->end && *c->s != q) {
		if (*c->s == '\\' || (unsigned char)*c->s < 0x20 || n + 1 >= cap)
			return syntax(c, "a short string without escapes");
		buf[n++] = *c->s++;
	}
	if (c->s >= c->end)
		return syntax(c, "the closing quote");
	c->s++;
	buf[n] = '\0';
	return ACCEL_OK;
}

static accel_status parse_bool(struct cursor *c, bool *v)
{
	skip_ws(c);
	if ((size_t)(c->end - c->s) >= 4 && !memcmp(c->s, "True", 4)) {
		c->s += 4;
		*v = true;
	} else if ((size_t)(c->end - c->s) >= 5 && !memcmp(c->s, "False", 5)) {
		c->s += 5;
		*v = false;
	} else {
		return syntax(c, "True or False");
	}
	return ACCEL_OK;
}

/* "(d0, d1, ...)", "(d0,)" or "()"; checks the element count and the byte
 * size for overflow later. */
static accel_status parse_shape(struct cursor *c, struct npy_hdr *h)
{
	h->rank = 0;
	if (!eat(c, '('))
		return syntax(c, "'(' starting the shape");
	if (eat(c, ')'))
		return ACCEL_OK;
	for (;;) {
		uint64_t v = 0;
		const char *digits;

		skip_ws(c);
		digits = c->s;
		while (c->s < c->end && *c->s >= '0' && *c->s <= '9') {
			unsigned int d = (unsigned int)(*c->s - '0');

			if (v > (UINT64_MAX - d) / 10)
				return accel__fail(ACCEL_ERR_MODEL,
						   "%s: shape overflow: dimension %u does not fit 64 bits",
						   c->name, h->rank);
			v = v * 10 + d;
			c->s++;
		}
		if (c->s == digits)
			return syntax(c, "a non-negative integer dimension");
		if (c->s < c->end && *c->s == 'L')	/* numpy under Python 2 */
			c->s++;
		if (h->rank == ACCEL_NPY_MAX_RANK)
			return accel__fail(ACCEL_ERR_MODEL, "%s: shape has more than %u dimensions",
					   c->name, ACCEL_NPY_MAX_RANK);
		h->dim[h->rank++] = v;
		if (eat(c, ')'))
			return ACCEL_OK;
		if (!eat(c, ','))
			return syntax(c, "',' or ')' in the shape");
		if (eat(c, ')'))
			return ACCEL_OK;
	}
}

static accel_status parse_descr(const char *name, const char *d, unsigned int dtypes,
				struct npy_hdr *h)
{
	static const struct {
		const char *descr;
		accel_dtype dt;
		uint32_t size;
	} known[] = {
		{ "<f4", ACCEL_DT_FP32, 4 },
		{ "|u1", ACCEL_DT_UINT8, 1 }, { "<u1", ACCEL_DT_UINT8, 1 },
		{ ">u1", ACCEL_DT_UINT8, 1 }, { "=u1", ACCEL_DT_UINT8, 1 },
		{ "|i1", ACCEL_DT_INT8, 1 }, { "<i1", ACCEL_DT_INT8, 1 },
		{ ">i1", ACCEL_DT_INT8, 1 }, { "=i1", ACCEL_DT_INT8, 1 },
	};
	char want[64] = "";

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(d, known[i].descr))
			continue;
		if (!(dtypes & (1u << known[i].dt)))
			break;
		h->dtype = known[i].dt;
		h->esize = known[i].size;
		return ACCEL_OK;
	}
	if (dtypes & ACCEL_NPY_FP32)
		strcat(want, " float32 '<f4'");
	if (dtypes & ACCEL_NPY_UINT8)
		strcat(want, " uint8 '|u1'");
	if (dtypes & ACCEL_NPY_INT8)
		strcat(want, " int8 '|i1'");
	return accel__fail(ACCEL_ERR_MODEL, "%s: dtype '%s' not accepted here (accepted:%s)",
			   name, d, want);
}

static accel_status parse_header(const char *text, size_t len, const char *name,
				 unsigned int dtypes, struct npy_hdr *h)
{
	struct cursor c = { .s = text, .end = text + len, .start = text, .name = name };
	bool have_descr = false, have_order = false, have_shape = false, fortran = false;
	char descr[32];
	accel_status st;

	memset(h, 0, sizeof(*h));
	if (len == 0 || text[len - 1] != '\n')
		return accel__fail(ACCEL_ERR_MODEL, "%s: header syntax: not ended by a newline",
				   name);
	if (memchr(text, '\0', len))
		return accel__fail(ACCEL_ERR_MODEL, "%s: header syntax: contains a NUL byte",
				   name);
	if (!eat(&c, '{'))
		return syntax(&c, "'{'");
	while (!eat(&c, '}')) {
		char key[32];

		st = parse_str(&c, key, sizeof(key));
		if (st)
			return st;
		if (!eat(&c, ':'))
			return syntax(&c, "':' after the key");
		if (!strcmp(key, "descr") && !have_descr) {
			st = parse_str(&c, descr, sizeof(descr));
			have_descr = true;
		} else if (!strcmp(key, "fortran_order") && !have_order) {
			st = parse_bool(&c, &fortran);
			have_order = true;
		} else if (!strcmp(key, "shape") && !have_shape) {
			st = parse_shape(&c, h);
			have_shape = true;
		} else {
			return accel__fail(ACCEL_ERR_MODEL,
					   "%s: header syntax: unexpected or repeated key '%s'",
					   name, key);
		}
		if (st)
			return st;
		if (!eat(&c, ',')) {
			if (!eat(&c, '}'))
				return syntax(&c, "',' or '}' after a value");
			break;
		}
	}
	skip_ws(&c);
	if (c.s != c.end)
		return syntax(&c, "only spaces after '}'");
	if (!have_descr || !have_order || !have_shape)
		return accel__fail(ACCEL_ERR_MODEL, "%s: header lacks '%s'", name,
				   !have_descr ? "descr" : !have_order ? "fortran_order" : "shape");
	if (fortran)
		return accel__fail(ACCEL_ERR_MODEL,
				   "%s: fortran_order True not supported (C order only)", name);
	st = parse_descr(name, descr, dtypes, h);
	if (st)
		return st;
	h->count = 1;
	for (uint32_t i = 0; i < h->rank; i++) {
		if (h->dim[i] && h->count > UINT64_MAX / h->dim[i])
			return accel__fail(ACCEL_ERR_MODEL, "%s: shape overflow: too many elements",
					   name);
		h->count *= h->dim[i];
	}
	if (h->count > (uint64_t)(SIZE_MAX / 2) / h->esize)
		return accel__fail(ACCEL_ERR_MODEL,
				   "%s: shape overflow: %llu elements do not fit in memory",
				   name, (unsigned long long)h->count);
	h->bytes = h->count * h->esize;
	return ACCEL_OK;
}

static const char *dtype_name(accel_dtype dt)
{
	return dt == ACCEL_DT_FP32 ? "float32" : dt == ACCEL_DT_UINT8 ? "uint8" : "int8";
}

static accel_status size_mismatch(const char *name, const struct npy_hdr *h, uint64_t have)
{
	return accel__fail(ACCEL_ERR_MODEL, "%s: %s data: %llu bytes for %llu %s elements (%llu bytes)",
			   name, have < h->bytes ? "truncated" : "trailing bytes after the",
			   (unsigned long long)have, (unsigned long long)h->count,
			   dtype_name(h->dtype), (unsigned long long)h->bytes);
}

static accel_status fill(const struct npy_hdr *h, const char *name, accel_npy *out)
{
	out->dtype = h->dtype;
	out->rank = h->rank;
	memcpy(out->dim, h->dim, sizeof(out->dim));
	out->count = h->count;
	out->bytes = h->bytes;
	out->data = malloc(h->bytes ? (size_t)h->bytes : 1);
	if (!out->data)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "%s: cannot allocate %llu bytes", name,
				   (unsigned long long)h->bytes);
	return ACCEL_OK;
}

accel_status accel__npy_read_memory(const void *buf, size_t size, const char *name,
				    unsigned int dtypes, accel_npy *out)
{
	const uint8_t *p = buf;
	size_t prefix, hlen;
	struct npy_hdr h;
	accel_status st;

	if (!out)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel__npy_read_memory: out is NULL");
	memset(out, 0, sizeof(*out));
	if (!name)
		name = "(memory)";
	if (!buf && size)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: buffer is NULL", name);
	if (!dtypes)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: no dtype accepted", name);
	st = parse_prefix(p, size, name, &prefix, &hlen);
	if (st)
		return st;
	if (size - prefix < hlen)
		return accel__fail(ACCEL_ERR_MODEL, "%s: truncated header (%zu of %zu bytes)", name,
				   size - prefix, hlen);
	st = parse_header((const char *)p + prefix, hlen, name, dtypes, &h);
	if (st)
		return st;
	if (size - prefix - hlen != h.bytes)
		return size_mismatch(name, &h, size - prefix - hlen);
	st = fill(&h, name, out);
	if (st)
		return st;
	if (h.bytes)
		memcpy(out->data, p + prefix + hlen, (size_t)h.bytes);
	return ACCEL_OK;
}

static accel_status read_fail(FILE *f, const char *path, size_t want)
{
	if (ferror(f))
		return accel__fail_errno(errno ? errno : EIO, "%s: read", path);
	return accel__fail(ACCEL_ERR_MODEL, "%s: truncated (end of file %zu bytes early)",
			   path, want);
}

accel_status accel__npy_read_file(const char *path, unsigned int dtypes, accel_npy *out)
{
	uint8_t pre[NPY_PREFIX_MAX];
	size_t got, prefix, hlen;
	struct npy_hdr h;
	struct stat sb = { 0 };
	char *text = NULL;
	accel_status st;
	FILE *f;

	if (!out)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel__npy_read_file: out is NULL");
	memset(out, 0, sizeof(*out));
	if (!path)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "accel__npy_read_file: path is NULL");
	if (!dtypes)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: no dtype accepted", path);
	f = fopen(path, "rb");
	if (!f) {
		int err = errno;

		if (err == ENOENT)
			return accel__fail(ACCEL_ERR_NOT_FOUND, "%s: no such file", path);
		return accel__fail_errno(err, "%s: open", path);
	}
	if (fstat(fileno(f), &sb) != 0)
		memset(&sb, 0, sizeof(sb));	/* size unknown: rely on the reads */
	if (S_ISDIR(sb.st_mode)) {
		fclose(f);
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: is a directory, not a .npy file",
				   path);
	}
	got = fread(pre, 1, sizeof(pre), f);
	if (got < sizeof(pre) && ferror(f)) {
		st = read_fail(f, path, 0);
		goto out;
	}
	st = parse_prefix(pre, got, path, &prefix, &hlen);
	if (st)
		goto out;
	text = malloc(hlen);
	if (!text) {
		st = accel__fail(ACCEL_ERR_NO_MEMORY, "%s: cannot allocate the header", path);
		goto out;
	}
	/* The prefix read may have taken the first header bytes (version 1.0). */
	memcpy(text, pre + prefix, got - prefix < hlen ? got - prefix : hlen);
	if (got - prefix > hlen) {
		/* A tiny header inside the 12 bytes read: the rest is data. */
		st = accel__fail(ACCEL_ERR_MODEL, "%s: header length %zu too short", path, hlen);
		goto out;
	}
	if (hlen > got - prefix) {
		size_t want = hlen - (got - prefix);

		if (fread(text + (got - prefix), 1, want, f) != want) {
			st = ferror(f) ? read_fail(f, path, want)
				       : accel__fail(ACCEL_ERR_MODEL, "%s: truncated header", path);
			goto out;
		}
	}
	st = parse_header(text, hlen, path, dtypes, &h);
	if (st)
		goto out;
	/* A regular file's size is known: refuse a lying shape before
	 * allocating for it. */
	if (S_ISREG(sb.st_mode) && (uint64_t)sb.st_size - prefix - hlen != h.bytes) {
		st = size_mismatch(path, &h, (uint64_t)sb.st_size - prefix - hlen);
		goto out;
	}
	st = fill(&h, path, out);
	if (st)
		goto out;
	got = h.bytes ? fread(out->data, 1, (size_t)h.bytes, f) : 0;
	if (got != h.bytes) {
		st = ferror(f) ? read_fail(f, path, (size_t)h.bytes - got)
			       : size_mismatch(path, &h, got);
		goto out;
	}
	if (fgetc(f) != EOF) {
		st = size_mismatch(path, &h, h.bytes + 1);
		goto out;
	}
out:
	free(text);
	fclose(f);
	if (st)
		accel__npy_free(out);
	return st;
}

void accel__npy_free(accel_npy *npy)
{
	if (!npy)
		return;
	free(npy->data);
	memset(npy, 0, sizeof(*npy));
}

/* ---- writer ------------------------------------------------------------------------ */
/* Format the prefix + header into hdr (cap bytes); return its length, 0
 * when the arguments are bad (message recorded). */
static size_t format_header(uint8_t *hdr, size_t cap, uint32_t rank, const uint64_t *dim,
			    uint64_t *bytes)
{
	char text[64 + ACCEL_NPY_MAX_RANK * 24];
	size_t n, total, prefix;
	uint64_t count = 1;

	if (rank > ACCEL_NPY_MAX_RANK || (rank && !dim)) {
		accel__fail(ACCEL_ERR_INVALID_ARG, "npy write: rank %u (max %u) or dims NULL",
			    rank, ACCEL_NPY_MAX_RANK);
		return 0;
	}
	n = (size_t)snprintf(text, sizeof(text), "{'descr': '<f4', 'fortran_order': False, 'shape': (");
	for (uint32_t i = 0; i < rank; i++) {
		if (dim[i] && count > UINT64_MAX / 4 / dim[i]) {
			accel__fail(ACCEL_ERR_INVALID_ARG, "npy write: shape overflows");
			return 0;
		}
		count *= dim[i];
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%llu%s",
				      (unsigned long long)dim[i], rank == 1 ? "," : i + 1 < rank ? ", " : "");
	}
	n += (size_t)snprintf(text + n, sizeof(text) - n, "), }");
	/* Pad with spaces so that the data starts 64-byte aligned, then '\n'. */
	prefix = 10;
	total = (prefix + n + 1 + 63) / 64 * 64;
	if (total - prefix > 0xffff) {
		prefix = 12;
		total = (prefix + n + 1 + 63) / 64 * 64;
	}
	if (total > cap) {
		accel__fail(ACCEL_ERR_INVALID_ARG, "npy write: header too long");
		return 0;
	}
	memcpy(hdr, npy_magic, sizeof(npy_magic));
	hdr[6] = prefix == 10 ? 1 : 2;
	hdr[7] = 0;
	for (size_t i = 0; i < prefix - 8; i++)
		hdr[8 + i] = (uint8_t)((total - prefix) >> (8 * i));
	memcpy(hdr + prefix, text, n);
	memset(hdr + prefix + n, ' ', total - prefix - n - 1);
	hdr[total - 1] = '\n';
	*bytes = count * 4;
	return total;
}

accel_status accel__npy_write_memory(const float *data, uint32_t rank, const uint64_t *dim,
				     void **out, size_t *size)
{
	uint8_t hdr[256];
	uint64_t bytes;
	size_t n;
	uint8_t *p;

	if (!out || !size)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "npy write: out or size is NULL");
	n = format_header(hdr, sizeof(hdr), rank, dim, &bytes);
	if (!n)
		return ACCEL_ERR_INVALID_ARG;
	if (bytes && !data)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "npy write: data is NULL");
	if (bytes > SIZE_MAX - n)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "npy write: %llu bytes do not fit in memory",
				   (unsigned long long)bytes);
	p = malloc(n + (size_t)bytes);
	if (!p)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "npy write: cannot allocate %llu bytes",
				   (unsigned long long)bytes);
	memcpy(p, hdr, n);
	if (bytes)
		memcpy(p + n, data, (size_t)bytes);
	*out = p;
	*size = n + (size_t)bytes;
	return ACCEL_OK;
}

accel_status accel__npy_write_file(const char *path, const float *data, uint32_t rank,
				   const uint64_t *dim)
{
	uint8_t hdr[256];
	uint64_t bytes;
	size_t n;
	FILE *f;
	bool ok;

	if (!path)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "npy write: path is NULL");
	n = format_header(hdr, sizeof(hdr), rank, dim, &bytes);
	if (!n)
		return ACCEL_ERR_INVALID_ARG;
	if (bytes && !data)
		return accel__fail(ACCEL_ERR_INVALID_ARG, "%s: data is NULL", path);
	f = fopen(path, "wb");
	if (!f)
		return accel__fail_errno(errno, "%s: create", path);
	ok = fwrite(hdr, 1, n, f) == n && (!bytes || fwrite(data, 1, (size_t)bytes, f) == bytes);
	if (!ok) {
		int err = errno ? errno : EIO;

		fclose(f);
		return accel__fail_errno(err, "%s: write", path);
	}
	if (fclose(f) != 0)
		return accel__fail_errno(errno, "%s: close", path);
	return ACCEL_OK;
}
