################################################################################
#
# tandem: installs the release tarball's tree (prebuilt: a jlink'd runtime for the target architecture)
#
################################################################################

TANDEM_VERSION = 0.1.0
ifeq ($(BR2_aarch64),y)
TANDEM_ARCH = arm64
else
TANDEM_ARCH = amd64
endif
TANDEM_SOURCE = tandem-$(TANDEM_VERSION)-linux-$(TANDEM_ARCH).tar.gz
# Where you publish the release tarballs (mvn -B package builds them in dist/target).
TANDEM_SITE = https://example.invalid/tandem/releases/v$(TANDEM_VERSION)
# The project has not chosen a license yet.
TANDEM_LICENSE = unknown
TANDEM_DEPENDENCIES = zlib

define TANDEM_INSTALL_TARGET_CMDS
	$(INSTALL) -d $(TARGET_DIR)/usr/lib/tandem
	cp -R --no-dereference --preserve=mode,links,timestamps $(@D)/bin $(@D)/lib $(TARGET_DIR)/usr/lib/tandem/
	$(INSTALL) -d $(TARGET_DIR)/usr/bin
	ln -sf ../lib/tandem/bin/tandem $(TARGET_DIR)/usr/bin/tandem
	$(INSTALL) -D -m 0644 $(@D)/doc/examples/system.toml.example $(TARGET_DIR)/etc/tandem/system.toml.example
	$(INSTALL) -d $(TARGET_DIR)/usr/share/man/man1 $(TARGET_DIR)/usr/share/man/man5
	$(INSTALL) -m 0644 $(@D)/share/man/man1/*.1 $(TARGET_DIR)/usr/share/man/man1/
	$(INSTALL) -m 0644 $(@D)/share/man/man5/*.5 $(TARGET_DIR)/usr/share/man/man5/
	$(INSTALL) -D -m 0644 $(@D)/share/bash-completion/completions/tandem $(TARGET_DIR)/usr/share/bash-completion/completions/tandem
	$(INSTALL) -D -m 0644 $(@D)/share/zsh/vendor-completions/_tandem $(TARGET_DIR)/usr/share/zsh/vendor-completions/_tandem
	$(INSTALL) -d $(TARGET_DIR)/usr/share/doc/tandem/examples
	$(INSTALL) -m 0644 $(@D)/doc/*.md $(TARGET_DIR)/usr/share/doc/tandem/
	$(INSTALL) -m 0644 $(@D)/doc/examples/* $(TARGET_DIR)/usr/share/doc/tandem/examples/
endef

# boot-check must run on every boot: enabled here. The agent is enabled by the board's overlay or post-build
# script once system.toml has a server or media directories.
define TANDEM_INSTALL_INIT_SYSTEMD
	$(INSTALL) -D -m 0644 $(@D)/share/systemd/tandem-boot-check.service $(TARGET_DIR)/usr/lib/systemd/system/tandem-boot-check.service
	$(INSTALL) -D -m 0644 $(@D)/share/systemd/tandem-agent.service $(TARGET_DIR)/usr/lib/systemd/system/tandem-agent.service
	$(INSTALL) -d $(TARGET_DIR)/etc/systemd/system/multi-user.target.wants
	ln -sf ../../../../usr/lib/systemd/system/tandem-boot-check.service $(TARGET_DIR)/etc/systemd/system/multi-user.target.wants/tandem-boot-check.service
endef

# The class-data archive (35-55% less start-up CPU) must be made by the target's runtime where the tree is
# installed: run /usr/lib/tandem/lib/make-class-data-archive once on the device (e.g. a first-boot script while
# the rootfs is writable). Without it tandem starts slower.

$(eval $(generic-package))
