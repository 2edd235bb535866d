SUMMARY = "tandem: A/B system updater for embedded Linux"
DESCRIPTION = "Streams signed bundles straight into the inactive slot; boot-check marks a slot good or falls back. \
Installs the release tarball's tree: its own Java runtime (no JDK on the device), the launcher, the units."

# The project has not chosen a license yet: set LICENSE and LIC_FILES_CHKSUM when it does.
LICENSE = "CLOSED"

# The tarball carries a jlink'd runtime for one architecture: x86-64 or arm64 targets.
COMPATIBLE_HOST = "(x86_64|aarch64).*-linux"
TANDEM_ARCH:x86-64 = "amd64"
TANDEM_ARCH:aarch64 = "arm64"
# Where you publish the release tarballs (mvn -B package builds them in dist/target).
TANDEM_RELEASES ?= "https://example.invalid/tandem/releases/v${PV}"
SRC_URI = "${TANDEM_RELEASES}/tandem-${PV}-linux-${TANDEM_ARCH}.tar.gz;subdir=tandem-tree;striplevel=1"
SRC_URI[sha256sum] = "0000000000000000000000000000000000000000000000000000000000000000"
S = "${WORKDIR}/tandem-tree"

inherit systemd

# The runtime's shared libraries need glibc, zlib, libstdc++ (Debian's libjvm.so) at run time.
RDEPENDS:${PN} = "glibc zlib libstdc++"
# Prebuilt binaries: nothing to strip or to split into -dbg; the runtime's libraries are found by RPATH-less
# relative lookup inside lib/runtime, not by the system linker.
INHIBIT_PACKAGE_STRIP = "1"
INHIBIT_PACKAGE_DEBUG_SPLIT = "1"
INSANE_SKIP:${PN} += "already-stripped ldflags file-rdeps"

# Only boot-check is enabled: it must run on every boot. SYSTEMD_AUTO_ENABLE applies to every unit listed here,
# so the agent (which installs updates) is not listed; a bbappend adds it once tandem-conf has a server or media.
SYSTEMD_SERVICE:${PN} = "tandem-boot-check.service"
SYSTEMD_AUTO_ENABLE:${PN} = "enable"

do_configure[noexec] = "1"
do_compile[noexec] = "1"

do_install() {
    install -d ${D}${prefix}/lib/tandem
    cp -R --no-dereference --preserve=mode,links,timestamps ${S}/bin ${S}/lib ${D}${prefix}/lib/tandem/
    install -d ${D}${bindir}
    ln -sf ../lib/tandem/bin/tandem ${D}${bindir}/tandem
    install -d ${D}${systemd_system_unitdir}
    install -m 0644 ${S}/share/systemd/tandem-boot-check.service ${S}/share/systemd/tandem-agent.service ${D}${systemd_system_unitdir}/
    install -d ${D}${sysconfdir}/tandem
    install -m 0644 ${S}/doc/examples/system.toml.example ${D}${sysconfdir}/tandem/system.toml.example
    install -d ${D}${mandir}/man1 ${D}${mandir}/man5
    install -m 0644 ${S}/share/man/man1/*.1 ${D}${mandir}/man1/
    install -m 0644 ${S}/share/man/man5/*.5 ${D}${mandir}/man5/
    install -d ${D}${datadir}/bash-completion/completions ${D}${datadir}/zsh/vendor-completions
    install -m 0644 ${S}/share/bash-completion/completions/tandem ${D}${datadir}/bash-completion/completions/tandem
    install -m 0644 ${S}/share/zsh/vendor-completions/_tandem ${D}${datadir}/zsh/vendor-completions/_tandem
    install -d ${D}${docdir}/tandem/examples
    install -m 0644 ${S}/doc/*.md ${D}${docdir}/tandem/
    install -m 0644 ${S}/doc/examples/* ${D}${docdir}/tandem/examples/
}

# The class-data archive (35-55% less start-up CPU) is valid only where it is made, and it is made by the
# target's own runtime: at first boot, while the rootfs is still writable. Without it tandem starts slower.
pkg_postinst_ontarget:${PN}() {
    ${prefix}/lib/tandem/lib/make-class-data-archive || true
}

FILES:${PN} += "${prefix}/lib/tandem ${datadir}/bash-completion ${datadir}/zsh"
