# Sourced by bench/create.sh and bench/run.sh: text_log SEED BYTES prints BYTES bytes of made-up syslog lines,
# the same for the same SEED (the "text" part of the benchmark images: compressible, but not trivially).
text_log() {
    awk -v seed="$1" -v limit="$2" 'BEGIN {
        srand(seed)
        n = split("kernel systemd network eth0 started stopped mounted unit service update slot rootfs boot " \
                  "chunk tandem error warning info debug link up down dhcp lease renewed address route timer " \
                  "cron session user root opened closed", w, " ")
        t = 1700000000
        while (bytes < limit) {
            t += int(rand() * 3)
            line = sprintf("%d.%06d gw-%02d %s[%d]: %s %s %s %d %s\n", t, int(rand() * 1000000), seed,
                           w[int(rand() * n) + 1], int(rand() * 30000), w[int(rand() * n) + 1],
                           w[int(rand() * n) + 1], w[int(rand() * n) + 1], int(rand() * 100000),
                           w[int(rand() * n) + 1])
            printf "%s", line
            bytes += length(line)
        }
    }' | head -c "$2"
}
