package dev.tandem.cli;

import dev.tandem.agent.api.InstallService;
import dev.tandem.agent.feed.FeedException;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.agent.CanceledException;
import dev.tandem.agent.ddi.DdiException;
import dev.tandem.boot.BootloaderException;
import dev.tandem.bundle.VerificationException;
import dev.tandem.errors.Categorized;
import dev.tandem.errors.ExitCategory;
import dev.tandem.errors.TandemException;
import dev.tandem.install.http.SourceException;
import dev.tandem.pki.KeyMaterialException;
import dev.tandem.pki.SignatureException;
import dev.tandem.pki.pkcs11.Pkcs11CallException;
import dev.tandem.slot.BusyException;
import dev.tandem.slot.ConfigException;
import dev.tandem.slot.policy.PolicyException;
import dev.tandem.slot.SlotIoException;
import dev.tandem.storage.linux.NativeIoException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The one error hierarchy: every exception type tandem's main code defines carries an exit category, and each
 * maps to the exit code README.md's table documents. A new exception type fails
 * {@link #everyExceptionTypeOfTheMainCodeCarriesACategoryAndIsListedHere} until it is categorized and listed.
 */
class ErrorHierarchyTest {

    /** One instance of each exception type with the exit code README "Exit codes" gives it. */
    private static Map<Throwable, Integer> documented() throws Exception {
        Map<Throwable, Integer> m = new LinkedHashMap<>();
        m.put(new UsageException("bad"), 2);
        m.put(new VerificationException(VerificationException.Kind.CHUNK, "bad chunk"), 3);
        m.put(new SignatureException(SignatureException.Reason.NOT_TRUSTED, "untrusted"), 3);
        m.put(new PolicyException(PolicyException.Reason.INCOMPATIBLE, "incompatible"), 4);
        m.put(new SlotIoException("status.json: cannot write"), 5);
        m.put(nativeIo(), 5);
        m.put(new CanceledException("canceled"), 5);
        m.put(new DdiException(DdiException.Kind.NETWORK, 0, "no answer", null), 5);
        m.put(new ConfigException("system.toml: bad"), 6);
        m.put(new KeyMaterialException("no key"), 6);
        m.put(new Pkcs11CallException("C_Login failed", 0x100L), 6);
        m.put(new SourceException(SourceException.Reason.NOT_FOUND, "404"), 7);
        m.put(new BootloaderException("grub-editenv failed"), 8);
        m.put(new BusyException("pid 1: install"), 9);
        m.put(new DemoCommand.DemoFailed("not committed"), 1);
        m.put(new FeedException(FeedException.Kind.REPLAYED, "feed: older than the last one seen"), 3);
        m.put(new FeedException(FeedException.Kind.TOO_LARGE, "feed: larger than 1 MiB"), 7);
        m.put(installServiceBusy(), 9);
        return m;
    }

    private static InstallService.Busy installServiceBusy() throws Exception {
        Constructor<InstallService.Busy> c = InstallService.Busy.class.getDeclaredConstructor(String.class,
                com.fasterxml.jackson.databind.node.ObjectNode.class);
        c.setAccessible(true);
        return c.newInstance("busy: an install is running", null);
    }

    private static NativeIoException nativeIo() throws Exception {
        Constructor<NativeIoException> c = NativeIoException.class.getDeclaredConstructor(String.class, String.class,
                int.class);
        c.setAccessible(true);
        return c.newInstance("pwrite", "/dev/null", 5);
    }

    /** Types that are not failures of their own: the CLI's step wrapper, and the abstract base. */
    private static final List<Class<?>> NOT_FAILURES = List.of(CommandContext.class, TandemException.class,
            stopSignal());

    /** The data path's typed stop: a stage ends because another failed first; that failure is what is thrown. */
    private static Class<?> stopSignal() {
        try {
            return Class.forName("dev.tandem.install.PipelineFailure$Stopped");
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyExceptionTypeOfTheMainCodeCarriesACategoryAndIsListedHere() throws Exception {
        List<Class<?>> listed = documented().keySet().stream().<Class<?>>map(Throwable::getClass).toList();
        List<Class<?>> found = mainExceptionTypes();
        assertThat(found).as("exception types found on the class path").contains(ConfigException.class,
                NativeIoException.class, SourceException.class, BootloaderException.class, SignatureException.class);
        for (Class<?> c : found) {
            if (NOT_FAILURES.contains(c)) {
                continue;
            }
            assertThat(Categorized.class.isAssignableFrom(c)).as(c.getName() + " carries no ExitCategory").isTrue();
            assertThat(listed.stream().anyMatch(l -> l.isAssignableFrom(c)))
                    .as(c.getName() + " has no documented exit code in this test").isTrue();
        }
    }

    @Test
    void eachMapsToItsDocumentedExitCodeHoweverItIsWrapped() throws Exception {
        for (Map.Entry<Throwable, Integer> e : documented().entrySet()) {
            Throwable t = e.getKey();
            String name = t.getClass().getName();
            assertThat(ErrorHandler.exitCode(t).code()).as(name).isEqualTo(e.getValue());
            assertThat(ErrorHandler.exitCode(new CommandContext("install", t)).code()).as(name)
                    .isEqualTo(e.getValue());
            if (t instanceof IOException io) {
                assertThat(ErrorHandler.exitCode(new UncheckedIOException(io)).code()).as(name)
                        .isEqualTo(e.getValue());
            }
            assertThat(ErrorHandler.message(t)).as(name).isEqualTo(t.getMessage());
        }
    }

    @Test
    void everyCategoryHasAnExitCodeAndOnlyBugsExitOne() {
        for (ExitCategory c : ExitCategory.values()) {
            assertThat(ExitCode.of(c)).as(c.name()).isNotNull();
        }
        assertThat(ErrorHandler.exitCode(new IllegalStateException("bug"))).isEqualTo(ExitCode.INTERNAL);
        assertThat(ErrorHandler.exitCode(new IOException("disk"))).isEqualTo(ExitCode.IO);
    }

    /** The Throwable subclasses in dev.tandem of every main-code class directory or jar the test can load. */
    private static List<Class<?>> mainExceptionTypes() throws Exception {
        TreeSet<String> names = new TreeSet<>();
        for (URL root : Collections.list(ErrorHierarchyTest.class.getClassLoader().getResources("dev/tandem/"))) {
            String where = root.toString();
            if (where.contains("/test-classes/") || where.contains("-tests.jar!")) {
                continue;
            }
            if (root.getProtocol().equals("file")) {
                Path dir = Path.of(root.toURI()).getParent().getParent();
                try (Stream<Path> files = Files.walk(dir)) {
                    files.map(f -> dir.relativize(f).toString().replace(File.separatorChar, '/'))
                            .filter(ErrorHierarchyTest::isTandemClass).forEach(names::add);
                }
            } else if (root.getProtocol().equals("jar")) {
                JarURLConnection connection = (JarURLConnection) root.openConnection();
                connection.setUseCaches(false);
                try (JarFile jar = connection.getJarFile()) {
                    jar.stream().map(e -> e.getName()).filter(ErrorHierarchyTest::isTandemClass).forEach(names::add);
                }
            }
        }
        List<Class<?>> out = new ArrayList<>();
        ClassLoader loader = ErrorHierarchyTest.class.getClassLoader();
        for (String n : names) {
            Class<?> c = Class.forName(n.substring(0, n.length() - ".class".length()).replace('/', '.'), false,
                    loader);
            if (Throwable.class.isAssignableFrom(c)) {
                out.add(c);
            }
        }
        return out;
    }

    private static boolean isTandemClass(String name) {
        return name.startsWith("dev/tandem/") && name.endsWith(".class")
                && !name.endsWith("package-info.class");
    }
}
