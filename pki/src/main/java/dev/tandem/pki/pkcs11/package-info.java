/**
 * The native border to PKCS#11 modules (JNA): read-only discovery of tokens and certificate objects,
 * which the JDK's SunPKCS11 provider does not expose. Login and signing stay with SunPKCS11.
 * Nothing outside this package imports {@code com.sun.jna}; it depends on no other tandem package.
 */
package dev.tandem.pki.pkcs11;
