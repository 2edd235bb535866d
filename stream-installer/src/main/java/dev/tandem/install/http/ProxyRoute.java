package dev.tandem.install.http;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which proxy, if any, a URL goes through, from {@code HTTPS_PROXY} / {@code HTTP_PROXY} / {@code NO_PROXY}
 * (lower case wins over upper case, as in curl). https goes through a CONNECT tunnel, so TLS and the client
 * certificate stay end to end; plain http is sent to the proxy in absolute form.
 *
 * <p>{@code NO_PROXY}: comma-separated; {@code *} matches every host; {@code example.com} and
 * {@code .example.com} match that host and its subdomains; an IP literal matches itself; an optional
 * {@code :port} restricts an entry to one port. CIDR blocks are not supported.
 *
 * <p>Public so that every HTTP client of tandem (the downloads here, the device agent's DDI client) reads the
 * environment the same way.
 */
public final class ProxyRoute {

    /** A proxy endpoint, with the {@code Proxy-Authorization} value when the proxy URL carried user info. */
    public record Proxy(String host, int port, String username, String password) {
        /** The {@code Proxy-Authorization} header value, or null without user info. */
        public String authorization() {
            if (username == null) {
                return null;
            }
            String pair = username + ":" + (password == null ? "" : password);
            return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    private final Proxy httpsProxy;
    private final Proxy httpProxy;
    private final List<String> noProxy;

    /**
     * @param env the environment
     * @throws IllegalArgumentException when a proxy variable is not an {@code http://} URL with a host
     */
    public ProxyRoute(Map<String, String> env) {
        this.httpsProxy = parseProxy(get(env, "https_proxy"));
        this.httpProxy = parseProxy(get(env, "http_proxy"));
        List<String> entries = new ArrayList<>();
        String no = get(env, "no_proxy");
        if (no != null) {
            for (String e : no.split(",")) {
                String t = e.trim().toLowerCase(Locale.ROOT);
                if (!t.isEmpty()) {
                    entries.add(t);
                }
            }
        }
        this.noProxy = List.copyOf(entries);
    }

    /** The proxy for {@code uri}, or null to connect directly. */
    public Proxy select(URI uri) {
        Proxy p = "https".equalsIgnoreCase(uri.getScheme()) ? httpsProxy : httpProxy;
        if (p == null || bypass(uri.getHost(), BundleClient.portOf(uri))) {
            return null;
        }
        return p;
    }

    private boolean bypass(String rawHost, int port) {
        String host = stripBrackets(rawHost.toLowerCase(Locale.ROOT));
        for (String entry : noProxy) {
            if (entry.equals("*")) {
                return true;
            }
            String e = entry;
            int entryPort = -1;
            int colon = e.lastIndexOf(':');
            if (colon > 0 && e.indexOf(':') == colon && !e.endsWith("]")) {
                try {
                    entryPort = Integer.parseInt(e.substring(colon + 1));
                    e = e.substring(0, colon);
                } catch (NumberFormatException ignored) {
                    continue;
                }
            } else if (e.startsWith("[") && e.contains("]:")) {
                entryPort = Integer.parseInt(e.substring(e.indexOf("]:") + 2));
                e = e.substring(0, e.indexOf("]:") + 1);
            }
            if (entryPort >= 0 && entryPort != port) {
                continue;
            }
            e = stripBrackets(e);
            if (e.startsWith(".")) {
                e = e.substring(1);
            }
            if (host.equals(e) || host.endsWith("." + e)) {
                return true;
            }
        }
        return false;
    }

    private static String stripBrackets(String h) {
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    private static String get(Map<String, String> env, String lowerName) {
        String v = env.get(lowerName);
        if (v == null || v.isBlank()) {
            v = env.get(lowerName.toUpperCase(Locale.ROOT));
        }
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static Proxy parseProxy(String value) {
        if (value == null) {
            return null;
        }
        String v = value.contains("://") ? value : "http://" + value;
        URI u = URI.create(v);
        if (!"http".equalsIgnoreCase(u.getScheme())) {
            throw new IllegalArgumentException("proxy " + u.getScheme() + "://" + u.getHost()
                    + ": only http:// proxies are supported");
        }
        if (u.getHost() == null) {
            throw new IllegalArgumentException("proxy without host: " + value.replaceAll("//[^@/]*@", "//"));
        }
        String user = null;
        String pass = null;
        if (u.getUserInfo() != null) {
            String[] up = u.getUserInfo().split(":", 2);
            user = up[0];
            pass = up.length > 1 ? up[1] : null;
        }
        return new Proxy(u.getHost(), u.getPort() < 0 ? 80 : u.getPort(), user, pass);
    }
}
