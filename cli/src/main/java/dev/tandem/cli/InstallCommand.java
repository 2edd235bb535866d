package dev.tandem.cli;

import dev.tandem.agent.api.ApiClient;
import dev.tandem.agent.api.InstallEvents;
import dev.tandem.bundle.BundleSource;
import dev.tandem.install.InstallResult;
import dev.tandem.install.InstallSettings;
import dev.tandem.install.Installer;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.policy.InstallOptions;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem install}: stream a bundle into the inactive slot and set try-once. */
@Command(name = "install", header = "Install a bundle into the inactive slot and set it to boot next, once.")
final class InstallCommand implements Callable<Integer> {

    @Parameters(paramLabel = "BUNDLE", description = "A bundle file, an http(s):// URL, or - for standard input.")
    String bundle;

    @Option(names = "--no-activate", description = "Stop at 'installed'; `tandem activate` sets try-once later.")
    boolean noActivate;

    @Option(names = "--force", description = "Install although the booted slot is not marked good.")
    boolean force;

    @Option(names = "--reinstall", description = "Install the version that is already booted.")
    boolean reinstall;

    @Option(names = "--allow-downgrade", description = "Install a lower version (the security version still counts).")
    boolean allowDowngrade;

    @Option(names = "--retry", description = "Install a bundle that failed its trial on this device before.")
    boolean retry;

    @Option(names = "--max-rate", paramLabel = "BYTES", converter = SizeConverter.class,
            description = "Download at most this many bytes per second (like 512K or 2M); overrides [http] max-rate.")
    long maxRate;

    @Mixin
    ApiClientOptions api;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SourceOpener.requireSupported(bundle);
        PrintWriter out = spec.commandLine().getOut();
        GlobalOptions g = Globals.of(spec);
        InstallOptions options = new InstallOptions(force, reinstall, allowDowngrade, retry, noActivate);
        ProgressRenderer progress = new ProgressRenderer(g.progress, out, spec.commandLine().getErr());
        if (!bundle.equals("-")) {
            Optional<ApiClient> daemon = DaemonClient.connect(api);
            if (daemon.isPresent()) {
                try (ApiClient d = daemon.get()) {
                    return DaemonClient.install(d, api, bundle, options, maxRate, g.progress, progress, out,
                            spec.commandLine().getErr());
                }
            }
        }
        DeviceSlots slots = Device.open(g);
        InstallResult r;
        try (BundleSource source = SourceOpener.open(bundle, slots.config().http(), maxRate)) {
            InstallSettings settings = InstallSettings.defaults().withReuseLocal(SourceOpener.isRemote(bundle));
            r = new Installer(slots, settings).install(source, options, progress);
        } catch (RuntimeException | java.io.IOException e) {
            progress.endBar();
            throw new CommandContext("install " + bundle, e);
        }
        progress.endBar();
        if (g.progress == GlobalOptions.ProgressMode.JSON) {
            out.println(InstallEvents.done(r));
            out.flush();
            return 0;
        }
        for (InstallResult.ImageResult i : r.images()) {
            out.printf("installed %s -> %s: %s%n", i.image(), i.slot(), SizeConverter.human(i.size()));
        }
        out.printf("version %s%s: downloaded %s, reused %s, written %s in %.1f s%n", r.version(),
                r.resumed() ? " (resumed)" : "", SizeConverter.human(r.downloaded()), SizeConverter.human(r.reused()),
                SizeConverter.human(r.written()), r.elapsed().toMillis() / 1000.0);
        if (r.activated()) {
            out.println("try-once set: the new slot boots next, once; `tandem boot-check` (or mark-good) keeps it");
        } else {
            out.println("not activated (--no-activate): run `tandem activate` to boot it next");
        }
        out.flush();
        return 0;
    }
}
