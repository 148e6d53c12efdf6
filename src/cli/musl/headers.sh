#!/bin/sh
# Makes the include directory the musl build of the static jailctl compiles against
# (meson.build runs this at configure time). musl-gcc sees only musl's own headers; this
# directory adds, as symlinks, exactly the headers of the libraries and of the kernel that
# jailctl uses, and nothing of glibc's, so that no glibc header can slip into a musl object.
# Usage: headers.sh OUTDIR
set -eu
out=$1
triple=$(${CC:-cc} -print-multiarch)
rm -rf "$out"
mkdir -p "$out/sys" "$out/openssl"

# The first of /usr/include/<triple>/NAME and /usr/include/NAME that exists.
link() {
	for dir in "/usr/include/$triple" /usr/include; do
		if [ -e "$dir/$1" ]; then
			ln -s "$dir/$1" "$out/$2"
			return 0
		fi
	done
	echo "headers.sh: $1 not found under /usr/include" >&2
	exit 1
}

for name in jansson.h jansson_config.h btrfsutil.h seccomp.h seccomp-syscalls.h \
	archive.h archive_entry.h curl nftables linux asm asm-generic mtd; do
	link "$name" "$name"
done
link sys/capability.h sys/capability.h
# OpenSSL splits its headers between the two directories (configuration.h is per arch).
for dir in /usr/include/openssl "/usr/include/$triple/openssl"; do
	for header in "$dir"/*.h; do
		[ -e "$out/openssl/${header##*/}" ] || ln -s "$header" "$out/openssl/"
	done
done
