# tandem A/B slot selection for U-Boot (contrib/boot.cmd).
# Build the script image with: mkimage -A arm64 -T script -C none -d boot.cmd boot.scr
#
# Variables, RAUC-compatible, written by tandem (UBootEnvAdapter) between boots:
#   BOOT_ORDER     bootnames in the order they are tried, e.g. "B A"; unset means "A B" (factory). tandem takes
#                  a slot it marks bad out of BOOT_ORDER.
#   BOOT_A_LEFT,   boots left for the slot; this script spends one before the kernel starts, tandem's
#   BOOT_B_LEFT    boot-check restores boot-attempts on every good boot, try-once arms a new slot. Unset = 0.
#   TANDEM_SECURITY_FLOOR, anything else: not used here, kept by tandem.
#
# Selection:
#   1. The first slot in BOOT_ORDER with boots left boots; the decremented count is saved first, so a power
#      cut or panic from here on counts as a boot.
#   2. When no slot in BOOT_ORDER has boots left, each of them gets 3 again, the environment is saved and the
#      board resets. Slots marked bad are not in BOOT_ORDER and stay out.
#
# Saving: "saveenv" by default (CONFIG_ENV_IS_IN_MMC and friends; configure CONFIG_SYS_REDUNDAND_ENVIRONMENT so
# that fw_env.config lists two copies and a cut write never loses the environment). A board whose env lives
# elsewhere defines tandem_saveenv, e.g. for a raw disk area (QEMU):
#   setenv tandem_saveenv 'env export -c -s 0x4000 ${loadaddr} && virtio write ${loadaddr} 0x400 0x20'
# The default environment compiled into U-Boot must not define BOOT_ORDER (ARCHITECTURE.md §6).
#
# Counting down uses an if-chain instead of setexpr, which some builds (qemu-x86) lack: counts up to 10 are
# exact; larger ones drop to 9 on the first boot.
#
# Adapt the last block (partitions, kernel, boot command) to the board; add a block per slot in the places
# marked SLOTS if there are more than A and B.

test -n "${BOOT_ORDER}" || setenv BOOT_ORDER "A B"

setenv tandem_dec 'if test "${tandem_left}" -gt 9; then setenv tandem_left 9; elif test "${tandem_left}" -gt 8; then setenv tandem_left 8; elif test "${tandem_left}" -gt 7; then setenv tandem_left 7; elif test "${tandem_left}" -gt 6; then setenv tandem_left 6; elif test "${tandem_left}" -gt 5; then setenv tandem_left 5; elif test "${tandem_left}" -gt 4; then setenv tandem_left 4; elif test "${tandem_left}" -gt 3; then setenv tandem_left 3; elif test "${tandem_left}" -gt 2; then setenv tandem_left 2; elif test "${tandem_left}" -gt 1; then setenv tandem_left 1; else setenv tandem_left 0; fi'

setenv tandem_slot
for BOOT_SLOT in "${BOOT_ORDER}"; do
  if test -z "${tandem_slot}"; then
    # SLOTS
    if test "${BOOT_SLOT}" = "A" && test "${BOOT_A_LEFT}" -gt 0; then
      setenv tandem_left "${BOOT_A_LEFT}"
      run tandem_dec
      setenv BOOT_A_LEFT "${tandem_left}"
      setenv tandem_slot A
    elif test "${BOOT_SLOT}" = "B" && test "${BOOT_B_LEFT}" -gt 0; then
      setenv tandem_left "${BOOT_B_LEFT}"
      run tandem_dec
      setenv BOOT_B_LEFT "${tandem_left}"
      setenv tandem_slot B
    fi
  fi
done

# Scratch variables stay out of the saved environment (tandem_slot is saved with it; it is cleared above
# before it is used, so a stale value never counts).
setenv tandem_left
setenv tandem_dec
setenv BOOT_SLOT

if test -z "${tandem_slot}"; then
  echo "tandem: no slot has boots left; 3 more for each slot in BOOT_ORDER"
  for BOOT_SLOT in "${BOOT_ORDER}"; do
    # SLOTS
    if test "${BOOT_SLOT}" = "A"; then
      setenv BOOT_A_LEFT 3
    elif test "${BOOT_SLOT}" = "B"; then
      setenv BOOT_B_LEFT 3
    fi
  done
  setenv BOOT_SLOT
  if test -n "${tandem_saveenv}"; then run tandem_saveenv; else saveenv; fi
  reset
fi

# Save the spent boot before anything can fail.
if test -n "${tandem_saveenv}"; then run tandem_saveenv; else saveenv; fi
echo "tandem: booting slot ${tandem_slot} (BOOT_A_LEFT=${BOOT_A_LEFT} BOOT_B_LEFT=${BOOT_B_LEFT})"

# Board specific from here: where each slot's kernel is and how to start it.
# Partition labels are matched case-sensitively by the kernel: rootfs-a/rootfs-b, as in contrib/grub.cfg and
# slot-manager/CONFIG.md (not rootfs-${tandem_slot}, which would say rootfs-A).
if test "${tandem_slot}" = "A"; then
  setenv tandem_part 2
  setenv tandem_label rootfs-a
else
  setenv tandem_part 3
  setenv tandem_label rootfs-b
fi
setenv bootargs "${bootargs} root=PARTLABEL=${tandem_label} rootwait tandem.slot=${tandem_slot}"
load mmc ${mmcdev}:${tandem_part} ${kernel_addr_r} /boot/Image
load mmc ${mmcdev}:${tandem_part} ${ramdisk_addr_r} /boot/initrd.img
booti ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdt_addr}
