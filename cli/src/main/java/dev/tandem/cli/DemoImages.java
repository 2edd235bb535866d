package dev.tandem.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Makes the demo's rootfs images and flashes its slots. */
final class DemoImages {

    private DemoImages() {
    }

    /**
     * Makes a rootfs image: ext4 through {@code mke2fs -d} when it exists (no root needed), else a raw image
     * with the same files' bytes. Version 2.0.0 changes a few files and adds one, so most data is reusable.
     *
     * @return whether it is ext4
     */
    static boolean makeImage(Path image, String version, long size, Path tree) throws IOException {
        Files.createDirectories(tree.resolve("etc"));
        Files.createDirectories(tree.resolve("usr/lib/app"));
        Files.writeString(tree.resolve("etc/os-release"), "NAME=\"tandem demo\"\nVERSION_ID=" + version + "\n");
        Random random = new Random(42);
        for (int f = 0; f < 24; f++) {
            byte[] data = new byte[1 << 20];
            random.nextBytes(data);
            Files.write(tree.resolve("usr/lib/app/lib" + f + ".so"), data);
        }
        if (!version.equals("1.0.0")) {
            byte[] data = new byte[2 << 20];
            new Random(version.hashCode()).nextBytes(data);
            Files.write(tree.resolve("usr/lib/app/new-feature.so"), data);
        }
        if (mke2fs(image, size, tree)) {
            return true;
        }
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long at = 0;
            try (var files = Files.walk(tree)) {
                for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p));
                    while (b.hasRemaining()) {
                        at += ch.write(b, at);
                    }
                    at = (at + 4095) / 4096 * 4096;
                }
            }
            ch.truncate(size);
            if (ch.size() < size) {
                ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
            }
        }
        return false;
    }

    private static boolean mke2fs(Path image, long size, Path tree) {
        try {
            Process p = new ProcessBuilder("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-E",
                    "root_owner=0:0,nodiscard", "-d", tree.toString(), image.toString(), (size >> 10) + "k")
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] output = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                Files.deleteIfExists(image);
                System.err.println("mke2fs failed, using a raw image: " + new String(output, StandardCharsets.UTF_8).trim());
                return false;
            }
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Creates a slot file of {@code slotSize} bytes holding {@code image} (or nothing) at its start. */
    static void flash(Path image, Path slot, long slotSize) throws IOException {
        try (FileChannel out = FileChannel.open(slot, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            if (image != null) {
                try (FileChannel in = FileChannel.open(image, StandardOpenOption.READ)) {
                    long done = 0;
                    while (done < in.size()) {
                        done += in.transferTo(done, in.size() - done, out);
                    }
                }
            }
            out.truncate(slotSize);
            if (out.size() < slotSize) {
                out.write(ByteBuffer.wrap(new byte[1]), slotSize - 1);
            }
        }
    }
}
