// SPDX-License-Identifier: MIT
/* ONNX TensorProto -> packed array, every size checked before any copy. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "onnx_tensor.h"

accel_status onnx_check_dims(const char *what, uint32_t rank, const int64_t *dim, size_t esize)
{
	uint64_t n = 1;
	uint32_t i;

	if (rank > IR_MAX_RANK)
		return accel__fail(ACCEL_ERR_MODEL, "%s: rank %u exceeds %d", what, rank,
				   IR_MAX_RANK);
	for (i = 0; i < rank; i++) {
		if (dim[i] < 0 || dim[i] > (int64_t)1 << 31)
			return accel__fail(ACCEL_ERR_MODEL, "%s: dim %u is %lld (absurd)", what, i,
					   (long long)dim[i]);
		if (dim[i] && n > (ONNX_TENSOR_MAX_BYTES / (uint64_t)dim[i]))
			return accel__fail(ACCEL_ERR_MODEL,
					   "%s: dims overflow (more than %llu bytes)", what,
					   (unsigned long long)ONNX_TENSOR_MAX_BYTES);
		n *= (uint64_t)dim[i];
	}
	if (esize && n > ONNX_TENSOR_MAX_BYTES / esize)
		return accel__fail(ACCEL_ERR_MODEL, "%s: %llu elements overflow the size limit",
				   what, (unsigned long long)n);
	return ACCEL_OK;
}

/* Reject paths that leave base_dir. */
static bool safe_rel_path(const char *p)
{
	const char *s = p;

	if (!p[0] || p[0] == '/')
		return false;
	while (*s) {
		const char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if (len == 2 && s[0] == '.' && s[1] == '.')
			return false;
		if (!e)
			break;
		s = e + 1;
	}
	return true;
}

static accel_status read_external(const Onnx__TensorProto *t, const char *what,
				  const char *base_dir, void *dst, size_t bytes)
{
	const char *loc = NULL;
	long long off = 0, len = -1;
	char path[4096];
	size_t i;
	FILE *f;

	if (!base_dir)
		return accel__fail(ACCEL_ERR_MODEL,
				   "%s: external data, but the model was loaded from memory without a base directory",
				   what);
	for (i = 0; i < t->n_external_data; i++) {
		const Onnx__StringStringEntryProto *e = t->external_data[i];
		char *end;

		if (!e->key || !e->value)
			continue;
		if (!strcmp(e->key, "location")) {
			loc = e->value;
		} else if (!strcmp(e->key, "offset") || !strcmp(e->key, "length")) {
			long long v;

			errno = 0;
			v = strtoll(e->value, &end, 10);
			if (errno || *end || v < 0)
				return accel__fail(ACCEL_ERR_MODEL, "%s: external data %s '%s' is not a size",
						   what, e->key, e->value);
			if (e->key[0] == 'o')
				off = v;
			else
				len = v;
		}
	}
	if (!loc)
		return accel__fail(ACCEL_ERR_MODEL, "%s: external data without a location", what);
	if (!safe_rel_path(loc))
		return accel__fail(ACCEL_ERR_MODEL,
				   "%s: external data location '%s' leaves the model's directory",
				   what, loc);
	if (len >= 0 && (unsigned long long)len != bytes)
		return accel__fail(ACCEL_ERR_MODEL, "%s: external data length %lld, dims need %zu bytes",
				   what, len, bytes);
	if (snprintf(path, sizeof(path), "%s/%s", base_dir, loc) >= (int)sizeof(path))
		return accel__fail(ACCEL_ERR_MODEL, "%s: external data path too long", what);
	f = fopen(path, "rb");
	if (!f)
		return accel__fail(ACCEL_ERR_MODEL, "%s: cannot open external data '%s': %s", what,
				   path, strerror(errno));
	if (fseeko(f, (off_t)off, SEEK_SET) || fread(dst, 1, bytes, f) != bytes) {
		fclose(f);
		return accel__fail(ACCEL_ERR_MODEL,
				   "%s: external data '%s' too short for %zu bytes at offset %lld",
				   what, path, bytes, off);
	}
	fclose(f);
	return ACCEL_OK;
}

static int ir_dtype_of(int32_t onnx_type)
{
	switch (onnx_type) {
	case IR_DT_FLOAT: case IR_DT_UINT8: case IR_DT_INT8: case IR_DT_INT32:
	case IR_DT_INT64: case IR_DT_BOOL: case IR_DT_FLOAT16: case IR_DT_DOUBLE:
		return onnx_type;
	default:
		return IR_DT_UNDEFINED;
	}
}

/* Typed repeated field: count and copy with conversion to the element type. */
static accel_status from_fields(const Onnx__TensorProto *t, const char *what, int dt, void *dst,
				size_t n)
{
	size_t i, have;

	switch (dt) {
	case IR_DT_FLOAT: have = t->n_float_data; break;
	case IR_DT_INT64: have = t->n_int64_data; break;
	case IR_DT_DOUBLE: have = t->n_double_data; break;
	default: have = t->n_int32_data; break;
	}
	if (have != n)
		return accel__fail(ACCEL_ERR_MODEL, "%s: holds %zu values, dims need %zu", what, have,
				   n);
	for (i = 0; i < n; i++) {
		switch (dt) {
		case IR_DT_FLOAT: ((float *)dst)[i] = t->float_data[i]; break;
		case IR_DT_INT64: ((int64_t *)dst)[i] = t->int64_data[i]; break;
		case IR_DT_DOUBLE: ((double *)dst)[i] = t->double_data[i]; break;
		case IR_DT_INT32: ((int32_t *)dst)[i] = t->int32_data[i]; break;
		case IR_DT_FLOAT16: ((uint16_t *)dst)[i] = (uint16_t)t->int32_data[i]; break;
		default: ((uint8_t *)dst)[i] = (uint8_t)t->int32_data[i]; break;
		}
	}
	return ACCEL_OK;
}

/* t's element type, element count and bytes, checked. */
static accel_status tensor_size(const Onnx__TensorProto *t, const char *what, int *dtp,
				size_t *np, size_t *bytesp)
{
	size_t esize, n, i;
	accel_status st;
	int dt;

	dt = ir_dtype_of(t->has_data_type ? t->data_type : 0);
	esize = ir_dtype_size(dt);
	if (!esize)
		return accel__fail(ACCEL_ERR_MODEL, "%s: unsupported element type %d", what,
				   t->has_data_type ? t->data_type : 0);
	if (t->segment)
		return accel__fail(ACCEL_ERR_MODEL, "%s: segmented tensors are not supported", what);
	if (t->n_dims > IR_MAX_RANK)
		return accel__fail(ACCEL_ERR_MODEL, "%s: rank %zu exceeds %d", what, t->n_dims,
				   IR_MAX_RANK);
	st = onnx_check_dims(what, (uint32_t)t->n_dims, t->dims, esize);
	if (st)
		return st;
	n = 1;
	for (i = 0; i < t->n_dims; i++)
		n *= (size_t)t->dims[i];
	*dtp = dt;
	*np = n;
	*bytesp = n * esize;
	return ACCEL_OK;
}

bool onnx_tensor_is_external(const Onnx__TensorProto *t)
{
	return t->has_data_location &&
	       t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
}

accel_status onnx_tensor_read_external(const Onnx__TensorProto *t, const char *what,
				       const char *base_dir, void **data, size_t *bytes)
{
	accel_status st;
	size_t n;
	int dt;

	*data = NULL;
	*bytes = 0;
	st = tensor_size(t, what, &dt, &n, bytes);
	if (st)
		return st;
	*data = malloc(*bytes ? *bytes : 1);
	if (!*data)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "%s: %zu bytes", what, *bytes);
	st = read_external(t, what, base_dir, *data, *bytes);
	if (st) {
		free(*data);
		*data = NULL;
	}
	return st;
}

accel_status onnx_tensor_decode(const Onnx__TensorProto *t, const char *what,
				const char *base_dir, struct onnx_tensor *out)
{
	size_t n, bytes, i;
	accel_status st;
	void *data;
	int dt;

	memset(out, 0, sizeof(*out));
	st = tensor_size(t, what, &dt, &n, &bytes);
	if (st)
		return st;
	data = malloc(bytes ? bytes : 1);
	if (!data)
		return accel__fail(ACCEL_ERR_NO_MEMORY, "%s: %zu bytes", what, bytes);
	if (onnx_tensor_is_external(t)) {
		st = read_external(t, what, base_dir, data, bytes);
	} else if (t->has_raw_data) {
		if (t->raw_data.len != bytes)
			st = accel__fail(ACCEL_ERR_MODEL, "%s: raw_data has %zu bytes, dims need %zu",
					 what, t->raw_data.len, bytes);
		else if (bytes)
			memcpy(data, t->raw_data.data, bytes);
	} else {
		st = from_fields(t, what, dt, data, n);
	}
	if (st) {
		free(data);
		return st;
	}
	if (dt == IR_DT_DOUBLE) {	/* the compiler works in float */
		float *f = malloc(n ? n * sizeof(float) : 1);

		if (!f) {
			free(data);
			return accel__fail(ACCEL_ERR_NO_MEMORY, "%s: out of memory", what);
		}
		for (i = 0; i < n; i++)
			f[i] = (float)((double *)data)[i];
		free(data);
		data = f;
		dt = IR_DT_FLOAT;
		bytes = n * sizeof(float);
	}
	out->dtype = dt;
	out->rank = (uint32_t)t->n_dims;
	for (i = 0; i < t->n_dims; i++)
		out->dim[i] = t->dims[i];
	out->data = data;
	out->bytes = bytes;
	return ACCEL_OK;
}

accel_status onnx_tensor_load_file(const char *path, struct onnx_tensor *out)
{
	Onnx__TensorProto *t;
	accel_status st;
	uint8_t *buf;
	long size;
	FILE *f;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "rb");
	if (!f)
		return accel__fail(ACCEL_ERR_NOT_FOUND, "%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return accel__fail(ACCEL_ERR_IO, "%s: cannot size the file", path);
	}
	buf = malloc(size ? (size_t)size : 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		free(buf);
		return accel__fail(ACCEL_ERR_IO, "%s: cannot read the file", path);
	}
	fclose(f);
	t = onnx__tensor_proto__unpack(NULL, (size_t)size, buf);
	free(buf);
	if (!t)
		return accel__fail(ACCEL_ERR_MODEL, "%s: not a valid TensorProto (truncated or corrupt)",
				   path);
	st = onnx_tensor_decode(t, path, NULL, out);
	onnx__tensor_proto__free_unpacked(t, NULL);
	return st;
}
