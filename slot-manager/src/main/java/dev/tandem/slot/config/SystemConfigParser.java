package dev.tandem.slot.config;

import dev.tandem.slot.ConfigException;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.tandem.boot.BootloaderKind;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses system.toml table by table, then checks what spans tables (slots, classes, parents, data-dir). */
final class SystemConfigParser {

    /** A slot name: {@code <class>.<n>}; the class follows the bundle's slot-class rule (ARCHITECTURE.md §3). */
    private static final Pattern SLOT_NAME = Pattern.compile("([a-z0-9][a-z0-9-]{0,31})\\.(0|[1-9][0-9]{0,3})");
    private static final Pattern BOOTNAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final Pattern PARTUUID = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{8}-[0-9a-f]{2}");
    private static final Pattern EFI_ENTRY = Pattern.compile("[0-9A-Fa-f]{4}");
    private static final List<String> AUTH = List.of("none", "target-token", "gateway-token");

    private SystemConfigParser() {
    }

    static SystemConfig parse(Path file) {
        ObjectNode root;
        byte[] text;
        try {
            text = Files.readAllBytes(file);
            JsonNode tree = new TomlMapper().readTree(text);
            if (!(tree instanceof ObjectNode o)) {
                throw new ConfigException(ConfigException.Reason.NOT_TOML, "config " + file + ": not a TOML document");
            }
            root = o;
        } catch (NoSuchFileException e) {
            throw new ConfigException(ConfigException.Reason.NO_FILE, "config " + file + ": no such file");
        } catch (JacksonException e) {
            JsonLocation l = e.getLocation();
            String at = l != null && l.getLineNr() > 0 ? ":" + l.getLineNr() + ":" + l.getColumnNr() : "";
            throw new ConfigException(ConfigException.Reason.NOT_TOML,
                    "config " + file + at + ": not valid TOML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException(ConfigException.Reason.UNREADABLE,
                    "config " + file + ": cannot read: " + e.getMessage(), e);
        }
        TomlTable top = new TomlTable(root, file,
                TomlPositions.scan(new String(text, java.nio.charset.StandardCharsets.UTF_8)));

        String compatible = top.requiredString("compatible");
        String bootloader = top.requiredString("bootloader");
        if (!BootloaderKind.configNames().contains(bootloader)) {
            throw top.error("bootloader", "must be one of " + String.join(", ", BootloaderKind.configNames())
                    + ", not '" + bootloader + "'");
        }
        Path dataDir = top.path("data-dir").orElse(SystemConfig.DEFAULT_DATA_DIR);
        Path keyring = top.path("keyring").orElseThrow(() -> top.error(ConfigException.Reason.MISSING_KEY, "keyring",
                "required key is missing"));
        requireFile(top, "keyring", keyring);
        boolean checkSignerTime = top.bool("check-signer-time", true);
        int signaturesRequired = top.integer("signatures-required", 1, 16).orElse(1L).intValue();
        List<String> allowedSigners = top.strings("allowed-signers");
        String rebootCommand = top.string("reboot-command").orElse("reboot");

        BootloaderSettings bootloaderSettings = bootloaderSettings(
                top.table("bootloader-options", "[bootloader-options]"), bootloader);
        AntiRollbackConfig antiRollback = antiRollback(top.table("anti-rollback", "[anti-rollback]"));
        HttpConfig http = http(top.table("http", "[http]"));
        HealthConfig health = health(top.table("health", "[health]"));
        HooksConfig hooks = hooks(top.table("hooks", "[hooks]"));
        AgentConfig agent = agent(top.table("agent", "[agent]"));
        DownloadConfig download = download(top.table("download", "[download]"));
        WebConfig web = web(top.table("web", "[web]"));
        List<SlotConfig> slots = slots(top.table("slots", "[slots]"));
        FactoryResetConfig factoryReset = factoryReset(top.table("factory-reset", "[factory-reset]"), slots, dataDir);
        top.finish();

        checkSlots(top, slots);
        checkEfiEntries(top, bootloaderSettings, slots);
        checkDataDir(top, dataDir, slots);
        return new SystemConfig(file, compatible, bootloader, dataDir, keyring, checkSignerTime, signaturesRequired,
                allowedSigners, rebootCommand, bootloaderSettings, antiRollback, http, health, hooks, agent, slots,
                download, factoryReset, web);
    }

    private static DownloadConfig download(TomlTable t) {
        boolean allowMetered = t.bool("allow-metered", false);
        List<String> check = t.strings("metered-check");
        if (!check.isEmpty()) {
            Path command = t.resolve(check.get(0));
            requireExecutable(t, "metered-check", command);
            List<String> argv = new ArrayList<>(check);
            argv.set(0, command.toString());
            check = argv;
        }
        List<DownloadWindow> windows = new ArrayList<>();
        for (String w : t.strings("windows")) {
            try {
                windows.add(DownloadWindow.parse(w));
            } catch (IllegalArgumentException e) {
                throw t.error("windows", e.getMessage());
            }
        }
        t.finish();
        return new DownloadConfig(allowMetered, check, windows);
    }

    /**
     * The data partition must be neither a slot nor the data-dir's: a reset would destroy a slot, or the status
     * and anti-rollback floor it promises to keep. The paths are compared here; {@code FactoryReset} compares the
     * devices they name again before it writes.
     */
    private static FactoryResetConfig factoryReset(TomlTable t, List<SlotConfig> slots, Path dataDir) {
        Path partition = t.path("data-partition").orElse(null);
        String method = t.string("method").orElse("zero");
        if (!FactoryResetConfig.METHODS.contains(method)) {
            throw t.error("method", "must be one of " + String.join(", ", FactoryResetConfig.METHODS) + ", not '"
                    + method + "'");
        }
        List<String> mkfs = t.strings("mkfs");
        if (!mkfs.isEmpty() && !method.equals("mkfs")) {
            throw t.error("mkfs", "applies to method mkfs, not " + method);
        }
        if (mkfs.isEmpty()) {
            mkfs = List.of("mkfs.ext4", "-q", "-F");
        }
        if (partition != null) {
            for (SlotConfig s : slots) {
                if (s.device() != null && s.device().normalize().equals(partition.normalize())) {
                    throw t.error("data-partition", partition + " is slot " + s.name()
                            + "; a factory reset must never touch a slot");
                }
            }
            if (dataDir.normalize().startsWith(partition.normalize())) {
                throw t.error("data-partition", "data-dir " + dataDir + " is inside " + partition
                        + "; the reset would lose the slot states and the anti-rollback floor");
            }
        } else if (t.has("method") || t.has("mkfs")) {
            throw t.error("data-partition", "required key is missing");
        }
        t.finish();
        return new FactoryResetConfig(partition, method, mkfs);
    }

    private static BootloaderSettings bootloaderSettings(TomlTable t, String bootloader) {
        int attempts = t.integer("boot-attempts", 1, 100).orElse(1L).intValue();
        Path grubenv = only(t, "grubenv", "grub", bootloader, t.path("grubenv"))
                .orElse(bootloader.equals("grub") ? BootloaderKind.DEFAULT_GRUBENV : null);
        Path fwEnv = only(t, "fw-env-config", "uboot", bootloader, t.path("fw-env-config"))
                .orElse(bootloader.equals("uboot") ? BootloaderKind.DEFAULT_FW_ENV_CONFIG : null);
        String barebox = only(t, "barebox-state-name", "barebox", bootloader, t.string("barebox-state-name"))
                .orElse(bootloader.equals("barebox") ? BootloaderKind.DEFAULT_BAREBOX_STATE_NAME : null);
        Map<String, String> efiEntries = t.stringMap("efi-entries");
        if (!efiEntries.isEmpty() && !bootloader.equals("efi")) {
            throw t.error("efi-entries", "applies to bootloader efi, not " + bootloader);
        }
        Path script = only(t, "script", "custom", bootloader, t.path("script")).orElse(null);
        if (bootloader.equals("custom")) {
            if (script == null) {
                throw t.error("script", "required for bootloader custom");
            }
            requireExecutable(t, "script", script);
        }
        t.finish();
        return new BootloaderSettings(grubenv, fwEnv, attempts, barebox, efiEntries, script);
    }

    /** An option that belongs to one bootloader is an error with another: it would be silently unused. */
    private static <T> Optional<T> only(TomlTable t, String key, String owner, String bootloader, Optional<T> v) {
        if (v.isPresent() && !owner.equals(bootloader)) {
            throw t.error(key, "applies to bootloader " + owner + ", not " + bootloader);
        }
        return v;
    }

    private static AntiRollbackConfig antiRollback(TomlTable t) {
        long floor = t.integer("initial-floor", 0, Long.MAX_VALUE).orElse(0L);
        Path versionFile = t.path("version-file").orElse(null);
        t.finish();
        return new AntiRollbackConfig(floor, versionFile);
    }

    private static HttpConfig http(TomlTable t) {
        Path ca = t.path("ca-file").orElse(null);
        Path cert = t.path("client-cert").orElse(null);
        Path key = t.path("client-key").orElse(null);
        if ((cert == null) != (key == null)) {
            throw t.error(cert == null ? "client-cert" : "client-key",
                    "client-cert and client-key go together; set both or neither");
        }
        for (String k : List.of("ca-file", "client-cert", "client-key")) {
            Optional<Path> p = t.path(k);
            if (p.isPresent()) {
                requireFile(t, k, p.get());
            }
        }
        Map<String, String> headers = t.stringMap("headers");
        long maxRate = t.integer("max-rate", 0, Long.MAX_VALUE).orElse(0L);
        Duration connect = positive(t, "connect-timeout", t.duration("connect-timeout").orElse(Duration.ofSeconds(10)));
        Duration stall = positive(t, "stall-timeout", t.duration("stall-timeout").orElse(Duration.ofSeconds(60)));
        int retries = t.integer("retries", 0, 1000).orElse(5L).intValue();
        t.finish();
        return new HttpConfig(ca, cert, key, headers, maxRate, connect, stall, retries);
    }

    private static HealthConfig health(TomlTable t) {
        List<String> commands = t.strings("commands");
        List<String> units = t.strings("units");
        Duration minUptime = t.duration("min-uptime").orElse(Duration.ZERO);
        Duration timeout = positive(t, "timeout", t.duration("timeout").orElse(Duration.ofSeconds(60)));
        boolean fallbackFromGood = t.bool("fallback-from-good", false);
        t.finish();
        return new HealthConfig(commands, units, minUptime, timeout, fallbackFromGood);
    }

    private static HooksConfig hooks(TomlTable t) {
        Path[] p = new Path[4];
        String[] keys = {"pre-install", "post-install", "post-mark-good", "on-fallback"};
        for (int i = 0; i < keys.length; i++) {
            p[i] = t.path(keys[i]).orElse(null);
            if (p[i] != null) {
                requireExecutable(t, keys[i], p[i]);
            }
        }
        t.finish();
        return new HooksConfig(p[0], p[1], p[2], p[3]);
    }

    private static AgentConfig agent(TomlTable t) {
        URI server = null;
        Optional<String> s = t.string("server");
        if (s.isPresent()) {
            try {
                server = new URI(s.get());
            } catch (URISyntaxException e) {
                throw t.error("server", "not a URL: " + e.getMessage());
            }
            if (!"https".equals(server.getScheme()) && !"http".equals(server.getScheme())) {
                throw t.error("server", "must be an http:// or https:// URL, not " + s.get());
            }
        }
        String tenant = t.string("tenant").orElse("DEFAULT");
        String controllerId = t.string("controller-id").orElse(null);
        String auth = t.string("auth").orElse("none");
        if (!AUTH.contains(auth)) {
            throw t.error("auth", "must be one of " + String.join(", ", AUTH) + ", not '" + auth + "'");
        }
        Path tokenFile = t.path("token-file").orElse(null);
        if (!auth.equals("none") && tokenFile == null) {
            throw t.error("token-file", "required with auth = \"" + auth + "\"");
        }
        Path ca = t.path("ca-file").orElse(null);
        if (ca != null) {
            requireFile(t, "ca-file", ca);
        }
        List<Path> dirs = t.strings("standalone-dirs").stream().map(t::resolve).toList();
        boolean autoReboot = t.bool("auto-reboot", true);
        int maxRequests = t.integer("max-requests", 1, 1_000_000).orElse(1000L).intValue();
        boolean allowForeign = t.bool("allow-foreign-artifact-hosts", false);
        FeedKeys feed = FeedKeys.parse(t);
        t.finish();
        return new AgentConfig(server, tenant, controllerId, auth, tokenFile, ca, dirs, autoReboot, maxRequests,
                allowForeign, feed.url(), feed.channel(), feed.interval());
    }

    private static WebConfig web(TomlTable t) {
        WebConfig off = WebConfig.off();
        boolean enabled = t.bool("enabled", false);
        String host = t.string("bind-address").orElse(off.host());
        int port = t.integer("port", 1, 65535).orElse((long) off.port()).intValue();
        Path cert = t.path("tls-cert").orElse(null);
        Path key = t.path("tls-key").orElse(null);
        Path token = t.path("token-file").orElse(null);
        Path clientCa = t.path("client-ca").orElse(null);
        java.time.Duration idle = t.duration("idle-timeout").orElse(off.idleTimeout());
        t.finish();
        if (enabled) {
            if (cert == null || key == null) {
                throw t.error("tls-cert", "tls-cert and tls-key are required when the page is enabled (HTTPS only)");
            }
            requireFile(t, "tls-cert", cert);
            requireFile(t, "tls-key", key);
            if (token == null && clientCa == null) {
                throw t.error("token-file", "token-file or client-ca (or both) is required when the page is enabled");
            }
            if (clientCa != null) {
                requireFile(t, "client-ca", clientCa);
            }
        }
        if (idle.isZero() || idle.compareTo(java.time.Duration.ofHours(1)) > 0) {
            throw t.error("idle-timeout", "must be between 1 ms and 1 h");
        }
        return new WebConfig(enabled, host, port, cert, key, token, clientCa, idle);
    }

    private static List<SlotConfig> slots(TomlTable slotsTable) {
        List<SlotConfig> out = new ArrayList<>();
        for (String name : slotsTable.keys()) {
            TomlTable t = slotsTable.table(name, "[slots.\"" + name + "\"]");
            Matcher m = SLOT_NAME.matcher(name);
            if (!m.matches()) {
                throw t.error("slot name must be <class>.<n> (class: lower-case letters, digits, '-'; n: a number),"
                        + " like rootfs.0");
            }
            String slotClass = t.string("class").orElse(m.group(1));
            if (!slotClass.equals(m.group(1))) {
                throw t.error("class", "is '" + slotClass + "', but the slot's name says class '" + m.group(1) + "'");
            }
            String parent = t.string("parent").orElse(null);
            String bootname = t.string("bootname").orElse(null);
            if (parent == null && bootname == null) {
                throw t.error("bootname", "required for a slot without a parent");
            }
            if (parent != null && bootname != null) {
                throw t.error("bootname", "a slot with a parent boots with it and has no bootname of its own");
            }
            if (bootname != null && !BOOTNAME.matcher(bootname).matches()) {
                throw t.error("bootname", "must be 1 to 32 letters, digits, '_' or '-', not '" + bootname + "'");
            }
            String partuuid = t.string("partuuid").map(u -> u.toLowerCase(Locale.ROOT)).orElse(null);
            if (partuuid != null && !PARTUUID.matcher(partuuid).matches()) {
                throw t.error("partuuid", "must be a GPT GUID or an MBR SSSSSSSS-NN, not '" + partuuid + "'");
            }
            String partlabel = t.string("partlabel").orElse(null);
            Integer partition = t.integer("partition", 1, 4096).map(Long::intValue).orElse(null);
            Path device = t.path("device").orElse(null);
            int locators = (partuuid != null ? 1 : 0) + (partlabel != null ? 1 : 0) + (partition != null ? 1 : 0)
                    + (device != null ? 1 : 0);
            if (locators != 1) {
                throw t.error("needs exactly one of partuuid, partlabel, partition or device, found " + locators);
            }
            t.finish();
            out.add(new SlotConfig(name, slotClass, bootname, parent, partuuid, partlabel, partition, device));
        }
        slotsTable.finish();
        if (out.isEmpty()) {
            throw slotsTable.error("no slots configured");
        }
        return out;
    }

    private static void checkSlots(TomlTable top, List<SlotConfig> slots) {
        Map<String, SlotConfig> byName = new LinkedHashMap<>();
        Map<String, List<SlotConfig>> byClass = new LinkedHashMap<>();
        Map<String, String> seenLocation = new HashMap<>();
        Map<String, String> seenBootname = new HashMap<>();
        for (SlotConfig s : slots) {
            byName.put(s.name(), s);
            byClass.computeIfAbsent(s.slotClass(), c -> new ArrayList<>()).add(s);
            String other = seenLocation.putIfAbsent(s.location(), s.name());
            if (other != null) {
                throw slotError(top, s, "same " + s.location() + " as slot " + other);
            }
            if (s.bootname() != null) {
                other = seenBootname.putIfAbsent(s.bootname(), s.name());
                if (other != null) {
                    throw slotError(top, s, "bootname '" + s.bootname() + "' is also slot " + other + "'s");
                }
            }
        }
        for (Map.Entry<String, List<SlotConfig>> e : byClass.entrySet()) {
            if (e.getValue().size() != 2) {
                throw top.elsewhere("[slots]", "class " + e.getKey() + " has " + e.getValue().size() + " slot(s) ("
                        + String.join(", ", e.getValue().stream().map(SlotConfig::name).toList())
                        + "); an A/B class needs exactly two");
            }
        }
        String bootableClass = null;
        for (SlotConfig s : slots) {
            if (s.parent() == null) {
                if (bootableClass != null && !bootableClass.equals(s.slotClass())) {
                    throw slotError(top, s, "only one class boots (" + bootableClass
                            + "); slots of class " + s.slotClass() + " need a parent");
                }
                bootableClass = s.slotClass();
                continue;
            }
            SlotConfig parent = byName.get(s.parent());
            if (parent == null) {
                throw slotError(top, s, "parent '" + s.parent() + "' is not a configured slot");
            }
            if (parent.slotClass().equals(s.slotClass())) {
                throw slotError(top, s, "parent " + parent.name() + " is of the same class");
            }
            if (parent.parent() != null) {
                throw slotError(top, s, "parent " + parent.name() + " has a parent itself; one level only");
            }
        }
        if (bootableClass == null) {
            throw top.elsewhere("[slots]", "no slot without a parent: nothing to boot");
        }
        // The two slots of a child class must follow the two different slots of the booting class, or one
        // boot group would get both and the other none.
        for (List<SlotConfig> pair : byClass.values()) {
            if (pair.get(0).parent() != null && pair.get(0).parent().equals(pair.get(1).parent())) {
                throw slotError(top, pair.get(1), "parent " + pair.get(1).parent() + " already has slot "
                        + pair.get(0).name() + " of this class");
            }
        }
    }

    private static void checkEfiEntries(TomlTable top, BootloaderSettings b, List<SlotConfig> slots) {
        for (Map.Entry<String, String> e : b.efiEntries().entrySet()) {
            if (slots.stream().noneMatch(s -> e.getKey().equals(s.bootname()))) {
                throw top.elsewhere("[bootloader-options] efi-entries", "'" + e.getKey() + "' is not a slot's bootname");
            }
            if (!EFI_ENTRY.matcher(e.getValue()).matches()) {
                throw top.elsewhere("[bootloader-options] efi-entries", e.getKey()
                        + " must be 4 hex digits (Boot####), not '" + e.getValue() + "'");
            }
        }
    }

    private static void checkDataDir(TomlTable top, Path dataDir, List<SlotConfig> slots) {
        for (SlotConfig s : slots) {
            if (s.device() != null && dataDir.startsWith(s.device())) {
                throw top.error("data-dir", dataDir + " is inside slot " + s.name() + " (" + s.device()
                        + "); it must be on persistent storage outside every slot");
            }
        }
    }

    private static ConfigException slotError(TomlTable top, SlotConfig s, String problem) {
        return top.elsewhere("[slots.\"" + s.name() + "\"]", problem);
    }

    private static Duration positive(TomlTable t, String key, Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw t.error(key, "must be longer than zero");
        }
        return d;
    }

    private static void requireFile(TomlTable t, String key, Path p) {
        if (!Files.isRegularFile(p)) {
            throw t.error(key, p + (Files.exists(p) ? " is not a regular file" : " does not exist"));
        }
    }

    private static void requireExecutable(TomlTable t, String key, Path p) {
        requireFile(t, key, p);
        if (!Files.isExecutable(p)) {
            throw t.error(key, p + " is not executable");
        }
    }
}
