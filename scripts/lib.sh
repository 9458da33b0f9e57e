# scripts/lib.sh: shared settings for the project's scripts (sourced, not run).

OVS_RS_CACHE=${OVS_RS_CACHE:-/var/cache/openvswitch-rs}
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}
# The rustup rustc first on PATH has no rust-src; Debian's rustc-web has.
KMAKE_VARS="ARCH=x86 LLVM=-19 RUSTC=/usr/bin/rustc BINDGEN=bindgen"
export PATH="$HOME/.cargo/bin:$PATH"

log() { echo "$*" >&2; }

linux_source_version() {
	dpkg-query -W -f='${Version}' linux-source-6.12
}

# The package version, minus characters vng refuses in --rwdir paths ("~", "+", ":").
kernel_src_dir() {
	echo "$OVS_RS_CACHE/src/$(linux_source_version | tr '~+:' '___')/linux-source-6.12"
}

# The cache key: everything that changes the built kernel, and nothing else.
kernel_cache_key() {
	local flavour=$1 here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	{
		echo "flavour $flavour"
		linux_source_version
		cat "$here/kconfig/common.config" "$here/kconfig/$flavour.config"
		/usr/bin/rustc -vV
		bindgen --version
		clang-19 --version | head -1
		virtme-configkernel --help >/dev/null 2>&1 && /usr/bin/python3 -m pip show virtme-ng 2>/dev/null | grep ^Version
	} | sha256sum | cut -c1-16
}
