/**
 * The {@code tandem} command line (picocli): one class per command, wiring the modules together with plain
 * constructor calls. The only module with a {@code main()}; every exception becomes an exit code and a one-line
 * message in {@link dev.tandem.cli.ErrorHandler}.
 */
package dev.tandem.cli;
