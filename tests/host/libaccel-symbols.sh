#!/bin/bash
# libaccel symbol hygiene (installed as build/host/tests/libaccel-symbols):
# libaccel.so and libaccel.a define no global symbol outside accel_*, the
# .so's exports carry the ACCEL_1.0 version, a static program that defines
# symbols named like libaccel's internals (snpu_*, ref_*) links against
# libaccel.a and runs, and each public header compiles on its own.
# Ends with "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
lib=${LIBACCEL_LIBDIR:-$here/../lib}
inc=${LIBACCEL_INCDIR:-$here/../../../libaccel/include}
so=$(readlink -f "$lib/libaccel.so" 2>/dev/null)
[ -f "$so" ] || so=
a=$lib/libaccel.a
passed=0
failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. the shared library: dynamic exports
if [ -z "$so" ]; then
	bad "no libaccel.so in $lib"
else
	# (the version node itself is an absolute symbol named ACCEL_1.0)
	nm -D --defined-only --with-symbol-versions "$so" |
		awk '$2 ~ /^[A-Z]$/ && $3 !~ /^ACCEL_[0-9.]+(@@.*)?$/ {print $3}' > "$tmp/so"
	n=$(wc -l < "$tmp/so")
	other=$(grep -v '^accel_[a-z0-9_]*@@ACCEL_1\.0$' "$tmp/so")
	if [ "$n" -lt 50 ]; then
		bad "$so exports only $n symbols"
	elif [ -n "$other" ]; then
		bad "$so exports symbols outside accel_*@@ACCEL_1.0: $(echo $other | head -c 600)"
	else
		ok "$so: $n exports, all accel_*@@ACCEL_1.0"
	fi
	if grep -q '^accel__' "$tmp/so"; then
		bad "$so exports private accel__ symbols"
	else
		ok "$so: no private accel__ symbol"
	fi
fi

# 2. the static archive: defined globals
nm -g --defined-only "$a" 2>/dev/null | awk 'NF == 3 {print $3}' > "$tmp/a"
n=$(wc -l < "$tmp/a")
other=$(grep -v '^accel_[a-z0-9]' "$tmp/a"; grep '^accel__' "$tmp/a")
if [ "$n" -lt 50 ]; then
	bad "$a defines only $n global symbols"
elif [ -n "$other" ]; then
	bad "$a has globals outside accel_*: $(echo $other | head -c 600)"
else
	ok "$a: $n global symbols, all accel_*"
fi
if [ ! -s "$tmp/a" ] || [ ! -s "$tmp/so" ]; then
	bad "nothing to compare between libaccel.so and libaccel.a"
elif ! diff <(sed 's/@.*//' "$tmp/so" | sort) <(sort "$tmp/a") > "$tmp/diff"; then
	bad "libaccel.so and libaccel.a export different APIs: $(head -c 600 "$tmp/diff")"
else
	ok "libaccel.so and libaccel.a export the same accel_* symbols"
fi

# 3. a static user with colliding names links and runs
cat > "$tmp/user.c" <<'C'
#include <stdio.h>
#include <accel/accel.h>
/* Names libaccel uses internally; a user may define them too. */
int snpu_core_new(void) { return 1; }
int snpu_config_defaults(void) { return 2; }
int snpu_cmd_fence(void) { return 3; }
int ref_gemm(void) { return 4; }
int main(void)
{
	accel_device *dev = NULL;
	/* accel_open pulls in the backends and the device core. */
	accel_status st = accel_open("no-such-device", &dev);

	printf("%d %s\n", snpu_core_new() + snpu_config_defaults() + snpu_cmd_fence() +
	       ref_gemm(), accel_version_string());
	return st == ACCEL_ERR_NO_DEVICE && !dev ? 0 : 1;
}
C
if ! cc -std=c11 -Wall -Werror -I"$inc" "$tmp/user.c" -o "$tmp/user" "$a" \
	$(pkg-config --libs libdrm libprotobuf-c) -lpthread -lm > "$tmp/ld.log" 2>&1; then
	bad "a static program with snpu_*/ref_* symbols of its own does not link: $(head -c 800 "$tmp/ld.log")"
elif ! out=$("$tmp/user"); then
	bad "the static program failed: $out"
elif [ "${out% *}" != 10 ]; then
	bad "the static program called the wrong functions: $out"
else
	ok "a static program defining snpu_core_new, snpu_config_defaults, snpu_cmd_fence, ref_gemm links and runs"
fi
# the pkg-config file's Version is the library's
pcv=$(PKG_CONFIG_PATH=$lib/pkgconfig pkg-config --modversion libaccel 2>&1)
if [ -n "${out:-}" ] && [ "$pcv" = "${out#* }" ]; then
	ok "pkg-config Version $pcv = accel_version_string()"
else
	bad "pkg-config Version \"$pcv\" differs from accel_version_string() \"${out#* }\""
fi

# 4. every public header compiles alone, from the public include dir only
hdr_bad=
for h in "$inc"/accel/*.h; do
	name=accel/$(basename "$h")
	printf '#include <%s>\n' "$name" > "$tmp/h.c"
	cc -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I"$inc" "$tmp/h.c" \
		> "$tmp/h.log" 2>&1 || hdr_bad="$hdr_bad $name: $(head -c 300 "$tmp/h.log")"
done
if [ -n "$hdr_bad" ]; then
	bad "public headers that do not compile alone:$hdr_bad"
else
	ok "every public header compiles alone with only the public include dir"
fi

echo "libaccel-symbols: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
