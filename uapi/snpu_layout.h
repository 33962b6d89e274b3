/* SPDX-License-Identifier: MIT */
/*
 * SNPU tensor layout helpers shared by the device, the kernel driver,
 * libaccel and the tests:
 *   - canonical stride helpers (NCHW, NHWC, OIHW, OHWI);
 *   - the byte extent [lo, hi) of a strided struct snpu_tensor, element
 *     counts and an output non-aliasing check, all with overflow checks;
 *   - (userspace only) IEEE binary16 <-> binary32 conversion.
 *
 * Everything above the #ifndef __KERNEL__ line is kernel-compatible: no
 * floats, no libc, only __u32/__u64 arithmetic.
 */
#ifndef SNPU_LAYOUT_H
#define SNPU_LAYOUT_H

#include <linux/types.h>
#include "snpu_regs.h"
#include "snpu_cmd.h"

/* Canonical physical layouts of a 4-D tensor (axis order of snpu_cmd.h). */
enum snpu_layout {
	SNPU_LAYOUT_NCHW = 0,	/* (N,C,H,W) row-major */
	SNPU_LAYOUT_NHWC = 1,	/* channels innermost */
	SNPU_LAYOUT_OIHW = 2,	/* weights (O,I,KH,KW) row-major == NCHW */
	SNPU_LAYOUT_OHWI = 3,	/* weights, input channels innermost == NHWC */
	SNPU_LAYOUT_COUNT
};

/* Multiply two __u64 values; returns 1 on overflow. */
static inline int snpu_mul_overflow_u64(__u64 a, __u64 b, __u64 *res)
{
	if (a != 0 && b > ~(__u64)0 / a)
		return 1;
	*res = a * b;
	return 0;
}

static inline int snpu_add_overflow_u64(__u64 a, __u64 b, __u64 *res)
{
	if (a > ~(__u64)0 - b)
		return 1;
	*res = a + b;
	return 0;
}

/*
 * Fill stride[] (in elements) for dims dim[] in a canonical layout.
 * Returns 0, or -1 if the layout is unknown or a stride does not fit in
 * 32 bits.
 */
static inline int snpu_layout_strides(__u32 layout, const __u32 dim[4], __u32 stride[4])
{
	static const __u8 order[2][4] = {
		{ 3, 2, 1, 0 },	/* innermost first: W, H, C, N */
		{ 1, 3, 2, 0 },	/* C, W, H, N */
	};
	const __u8 *o;
	__u64 s = 1;
	int i;

	if (layout >= SNPU_LAYOUT_COUNT)
		return -1;
	o = order[(layout == SNPU_LAYOUT_NHWC || layout == SNPU_LAYOUT_OHWI) ? 1 : 0];
	for (i = 0; i < 4; i++) {
		if (s > 0xffffffffull)
			return -1;
		stride[o[i]] = (__u32)s;
		s *= dim[o[i]];
	}
	return 0;
}

/*
 * Initialise t as a dense tensor in a canonical layout: addr, dtype, dims,
 * strides; quantisation fields and reserved fields zero. Returns 0 or -1
 * (bad layout or strides overflow 32 bits).
 */
static inline int snpu_tensor_init(struct snpu_tensor *t, __u64 addr, __u32 dtype,
				   __u32 layout, __u32 d0, __u32 d1, __u32 d2, __u32 d3)
{
	__u8 *p = (__u8 *)t;
	__u32 i;

	for (i = 0; i < sizeof(*t); i++)
		p[i] = 0;
	t->addr = addr;
	t->dtype = (__u8)dtype;
	t->dim[0] = d0;
	t->dim[1] = d1;
	t->dim[2] = d2;
	t->dim[3] = d3;
	return snpu_layout_strides(layout, t->dim, t->stride);
}

/* Number of elements; returns SNPU_OK, SNPU_ERR_SHAPE (a dim is 0) or
 * SNPU_ERR_OVERFLOW. */
static inline int snpu_tensor_elems(const struct snpu_tensor *t, __u64 *n)
{
	__u64 e = 1;
	int i;

	for (i = 0; i < 4; i++) {
		if (t->dim[i] == 0)
			return SNPU_ERR_SHAPE;
		if (snpu_mul_overflow_u64(e, t->dim[i], &e))
			return SNPU_ERR_OVERFLOW;
	}
	*n = e;
	return SNPU_OK;
}

/*
 * Byte span [lo, hi) that tensor t touches (strides are unsigned, so the
 * lowest element is at addr). Returns SNPU_OK, SNPU_ERR_DTYPE (unknown
 * dtype), SNPU_ERR_SHAPE (a dim is 0) or SNPU_ERR_OVERFLOW (the span or its
 * end does not fit in 64 bits).
 */
static inline int snpu_tensor_extent(const struct snpu_tensor *t, __u64 *lo, __u64 *hi)
{
	__u64 last = 0, term, bytes, end;
	__u32 esize = snpu_dtype_size(t->dtype);
	int i;

	if (esize == 0)
		return SNPU_ERR_DTYPE;
	for (i = 0; i < 4; i++) {
		if (t->dim[i] == 0)
			return SNPU_ERR_SHAPE;
		term = (__u64)(t->dim[i] - 1) * t->stride[i];	/* < 2^64 */
		if (snpu_add_overflow_u64(last, term, &last))
			return SNPU_ERR_OVERFLOW;
	}
	if (snpu_add_overflow_u64(last, 1, &last) ||
	    snpu_mul_overflow_u64(last, esize, &bytes) ||
	    snpu_add_overflow_u64(t->addr, bytes, &end))
		return SNPU_ERR_OVERFLOW;
	*lo = t->addr;
	*hi = end;
	return SNPU_OK;
}

/*
 * Check that no two elements of t share an address (required of outputs).
 * Sufficient rule: sort the axes whose dim > 1 by stride; each stride must
 * be >= the previous axis' stride times its dim (the first one >= 1). All
 * canonical layouts, their slices and their transposes pass. Returns 1 if
 * distinct, 0 if elements may alias.
 */
static inline int snpu_tensor_distinct(const struct snpu_tensor *t)
{
	__u32 ax[4];
	__u32 n = 0, i, j;
	__u64 need = 1;

	for (i = 0; i < 4; i++)
		if (t->dim[i] > 1)
			ax[n++] = i;
	for (i = 1; i < n; i++) {	/* insertion sort by stride */
		__u32 a = ax[i];

		for (j = i; j > 0 && t->stride[ax[j - 1]] > t->stride[a]; j--)
			ax[j] = ax[j - 1];
		ax[j] = a;
	}
	for (i = 0; i < n; i++) {
		if (t->stride[ax[i]] < need)
			return 0;
		need = (__u64)t->stride[ax[i]] * t->dim[ax[i]];
	}
	return 1;
}

/* 1 if t's strides are exactly the canonical layout's for its dims. */
static inline int snpu_tensor_is_layout(const struct snpu_tensor *t, __u32 layout)
{
	__u32 s[4];
	int i;

	if (snpu_layout_strides(layout, t->dim, s))
		return 0;
	for (i = 0; i < 4; i++)
		if (t->dim[i] > 1 && t->stride[i] != s[i])
			return 0;
	return 1;
}

/* IEEE float32 bit-pattern predicates (no floating point needed). */
static inline int snpu_f32_bits_finite(__u32 b)
{
	return ((b >> 23) & 0xff) != 0xff;
}

/* > 0 and finite (denormals included). */
static inline int snpu_f32_bits_positive(__u32 b)
{
	return !(b >> 31) && b != 0 && snpu_f32_bits_finite(b);
}

/* Total order key of a finite float32 bit pattern (-0 == +0). */
static inline __s64 snpu_f32_bits_key(__u32 b)
{
	__s64 mag = b & 0x7fffffffu;

	return (b >> 31) ? -mag : mag;
}

#ifndef __KERNEL__
#include <string.h>

static inline float snpu_bits_f32(__u32 b)
{
	float f;

	memcpy(&f, &b, sizeof(f));
	return f;
}

static inline __u32 snpu_f32_bits(float f)
{
	__u32 b;

	memcpy(&b, &f, sizeof(b));
	return b;
}

/* IEEE binary16 -> binary32, exact (denormals, inf, NaN kept). */
static inline float snpu_f16_to_f32(__u16 h)
{
	__u32 sign = (__u32)(h & 0x8000u) << 16;
	__u32 exp = (h >> 10) & 0x1f;
	__u32 man = h & 0x3ffu;
	__u32 bits;

	if (exp == 0x1f) {
		bits = sign | 0x7f800000u | (man << 13);
	} else if (exp == 0) {
		if (man == 0) {
			bits = sign;
		} else {	/* denormal: normalise */
			int e = -1;

			do {
				e++;
				man <<= 1;
			} while (!(man & 0x400u));
			bits = sign | ((__u32)(127 - 15 - e) << 23) | ((man & 0x3ffu) << 13);
		}
	} else {
		bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
	}
	return snpu_bits_f32(bits);
}

/* IEEE binary32 -> binary16, round to nearest even, overflow to inf, NaN
 * stays NaN (quiet). Same results as the F16C instruction VCVTPS2PH with
 * rounding mode 0. */
static inline __u16 snpu_f32_to_f16(float f)
{
	__u32 b = snpu_f32_bits(f);
	__u32 sign = (b >> 16) & 0x8000u;
	__u32 exp = (b >> 23) & 0xff;
	__u32 man = b & 0x7fffffu;
	__s32 e;

	if (exp == 0xff)
		return (__u16)(sign | 0x7c00u | (man ? (0x200u | (man >> 13)) : 0));
	e = (__s32)exp - 127 + 15;
	if (e >= 0x1f)
		return (__u16)(sign | 0x7c00u);
	if (e <= 0) {	/* denormal or zero in half */
		__u32 m, shift, half, rest, r;

		if (e < -10)
			return (__u16)sign;
		m = man | 0x800000u;
		shift = (__u32)(14 - e);	/* 14..24 */
		r = m >> shift;
		rest = m & ((1u << shift) - 1);
		half = 1u << (shift - 1);
		if (rest > half || (rest == half && (r & 1)))
			r++;
		return (__u16)(sign | r);
	}
	{
		__u32 r = ((__u32)e << 10) | (man >> 13);
		__u32 rest = man & 0x1fffu;

		if (rest > 0x1000u || (rest == 0x1000u && (r & 1)))
			r++;	/* may carry into the exponent: correct, up to inf */
		return (__u16)(sign | r);
	}
}
#endif /* !__KERNEL__ */

#endif /* SNPU_LAYOUT_H */
