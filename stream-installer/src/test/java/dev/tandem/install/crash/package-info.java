/**
 * Crash tests of the whole install, activate and boot-check sequence: the installer killed with SIGKILL at
 * hundreds of points (a child JVM), and power cut at every write barrier (a simulated disk that keeps, drops
 * or tears what was not synced); each followed by the next boot of the simulated device.
 */
package dev.tandem.install.crash;
