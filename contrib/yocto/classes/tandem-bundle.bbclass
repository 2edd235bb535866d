# tandem-bundle.bbclass: builds a signed tandem bundle from an image's rootfs, on the build host.
#
#   inherit tandem-bundle
#   TANDEM_BUNDLE_IMAGES = "rootfs=${IMGDEPLOYDIR}/${IMAGE_LINK_NAME}.ext4"   (NAME[:CLASS]=PATH, space-separated)
#   TANDEM_COMPATIBLE    = "acme-gw-v2"                                         (the devices' system.toml compatible)
#   TANDEM_SIGNER_CERT   = "/secure/signer.pem"
#   TANDEM_SIGNER_KEY    = "/secure/signer.key"   (or a pkcs11: URI for a key in an HSM)
#
# The host needs tandem: the release tarball unpacked at TANDEM_HOST (its own runtime; no JDK needed).
TANDEM_HOST ?= "/opt/tandem"
TANDEM_VERSION ?= "${DISTRO_VERSION}"
TANDEM_BUNDLE_NAME ?= "${IMAGE_LINK_NAME}.tandem"
TANDEM_BUNDLE_ARGS ?= ""

do_tandem_bundle() {
    images=""
    for spec in ${TANDEM_BUNDLE_IMAGES}; do
        images="$images --image $spec"
    done
    ${TANDEM_HOST}/bin/tandem bundle create $images \
        --compatible "${TANDEM_COMPATIBLE}" --version "${TANDEM_VERSION}" \
        --cert "${TANDEM_SIGNER_CERT}" --key "${TANDEM_SIGNER_KEY}" ${TANDEM_BUNDLE_ARGS} \
        -o "${IMGDEPLOYDIR}/${TANDEM_BUNDLE_NAME}"
}
do_tandem_bundle[depends] += "${PN}:do_image_complete"
addtask tandem_bundle after do_image_complete before do_build
