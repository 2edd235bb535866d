package dev.tandem.boot;

/**
 * Numbers as boot scripts read them, with C's {@code strtol}: leading blanks, an optional sign, then the
 * longest run of digits; anything else reads as 0. GRUB's {@code test -eq} uses base 0 (0x hex, leading 0
 * octal), U-Boot's {@code test -gt} base 10. Mirroring this keeps an adapter's view of a hand-edited value
 * ("1 ", "01", "abc") the same as the bootloader's.
 */
final class ScriptNumber {

    private ScriptNumber() {
    }

    /** {@code strtol(s, NULL, base)} for base 0 or 10, saturating instead of overflowing. */
    static long parse(String s, int base) {
        int i = 0;
        int n = s.length();
        while (i < n && (s.charAt(i) == ' ' || (s.charAt(i) >= '\t' && s.charAt(i) <= '\r'))) {
            i++;
        }
        boolean negative = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        int radix = base;
        if (base == 0) {
            if (i + 1 < n && s.charAt(i) == '0' && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')
                    && i + 2 < n && Character.digit(s.charAt(i + 2), 16) >= 0) {
                radix = 16;
                i += 2;
            } else if (i < n && s.charAt(i) == '0') {
                radix = 8;
            } else {
                radix = 10;
            }
        }
        long value = 0;
        while (i < n) {
            int d = Character.digit(s.charAt(i), radix);
            if (d < 0 || s.charAt(i) > 'z') {
                break;
            }
            value = value > (Long.MAX_VALUE - d) / radix ? Long.MAX_VALUE : value * radix + d;
            i++;
        }
        return negative ? -value : value;
    }
}
