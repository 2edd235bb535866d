SUMMARY = "tandem configuration of this machine: system.toml and the keyring bundles must chain to"
LICENSE = "CLOSED"
# Put your own files in files/ (or a bbappend): system.toml (slot-manager/CONFIG.md, docs/integration.md) and
# keyring.pem (your CA certificates, never the development CA of `tandem pki dev-ca`).
SRC_URI = "file://system.toml file://keyring.pem"
S = "${WORKDIR}"
RDEPENDS:${PN} = "tandem"

do_install() {
    install -d ${D}${sysconfdir}/tandem
    install -m 0644 ${S}/system.toml ${D}${sysconfdir}/tandem/system.toml
    install -m 0644 ${S}/keyring.pem ${D}${sysconfdir}/tandem/keyring.pem
}

FILES:${PN} = "${sysconfdir}/tandem/system.toml ${sysconfdir}/tandem/keyring.pem"
CONFFILES:${PN} = "${sysconfdir}/tandem/system.toml"
